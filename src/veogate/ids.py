"""Opaque, time-ordered identifiers with a readable prefix (`vgen_01jd...`, `task_01JD...`)."""

from __future__ import annotations

import re

from ulid import ULID


def new_id(prefix: str, *, upper: bool = False) -> str:
    body = str(ULID())
    return f"{prefix}_{body if upper else body.lower()}"


_SHAPE = re.compile("[A-Za-z0-9_-]{1,64}")


def looks_like_id(value: str) -> bool:
    """Whether `value` could be an id `new_id` made. Anything else (a NUL, `..`, 5,000
    characters) is simply not found, without being handed to a query or a path."""
    return _SHAPE.fullmatch(value) is not None
