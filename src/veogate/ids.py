"""Opaque, time-ordered identifiers with a readable prefix (`vgen_01jd...`, `task_01JD...`)."""

from __future__ import annotations

from ulid import ULID


def new_id(prefix: str, *, upper: bool = False) -> str:
    body = str(ULID())
    return f"{prefix}_{body if upper else body.lower()}"
