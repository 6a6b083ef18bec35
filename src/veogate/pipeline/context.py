"""The services the workflow steps run with, installed once per process by the runtime.

DBOS workflows and steps are module-level functions (recovery finds them by name), so
they reach their collaborators through this one slot rather than through arguments.
"""

from __future__ import annotations

from veogate.wiring import Services

_services: Services | None = None


def install(services: Services | None) -> None:
    global _services
    _services = services


def services() -> Services:
    if _services is None:
        raise RuntimeError("pipeline services are not installed; start the runtime first")
    return _services
