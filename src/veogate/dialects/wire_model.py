"""The base of every dialect's response models (`*/responses.py`): exactly the fields a
renderer may send, so a test that validates real answers catches any drift."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class WireModel(BaseModel):
    """A response body: no field beyond those declared (optional ones may be absent)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Usage(WireModel):
    """What a finished job cost its API key (present once it ended): the seconds charged
    and their price in credits (`docs/relay.md`)."""

    billable_seconds: float
    cost: float


def optional(**documentation: Any) -> Any:
    """A field a body may leave out, but never sends as null."""
    return Field(default=None, **documentation)
