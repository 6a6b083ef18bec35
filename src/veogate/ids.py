"""Opaque, time-ordered identifiers with a readable prefix (`vgen_01jd...`, `task_01JD...`).

A job has one identity, its ULID (the *ref*), and one spelling per dialect: kyy says
`vgen_01jd...`, apimart `task_01JD...`, OpenAI `video_01jd...`, Google a bare lowercase
`01jd...`. Any spelling resolves to the same job (`ref_of`, and the `jobs.ref` column);
the row keeps the spelling of the dialect that created it as its primary key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ulid import ULID

ULID_LENGTH = 26
_CROCKFORD = re.compile("[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}")
_HEAD = re.compile("(?:[A-Za-z]{1,16}_?)?")
_SHAPE = re.compile("[A-Za-z0-9_-]{1,64}")


def new_id(prefix: str, *, upper: bool = False) -> str:
    return IdForm(prefix, upper=upper).new()


def looks_like_id(value: str) -> bool:
    """Whether `value` could be an id `new_id` made. Anything else (a NUL, `..`, 5,000
    characters) is simply not found, without being handed to a query or a path."""
    return _SHAPE.fullmatch(value) is not None


def ref_of(value: str) -> str | None:
    """The job ref (lowercase ULID) any dialect's spelling of a job id carries, or None
    when `value` is no such spelling."""
    if not ULID_LENGTH <= len(value) <= ULID_LENGTH + 17:
        return None
    head, ref = value[:-ULID_LENGTH], value[-ULID_LENGTH:]
    if _CROCKFORD.fullmatch(ref) is None or _HEAD.fullmatch(head) is None:
        return None
    return ref.lower()


@dataclass(frozen=True)
class IdForm:
    """How one dialect spells job ids: `prefix` + `joiner` + the ULID, in upper or lower case."""

    prefix: str
    upper: bool = False
    joiner: str = "_"

    def new(self) -> str:
        return self._spell(str(ULID()))

    def render(self, job_id: str) -> str:
        """`job_id` (any dialect's spelling) as this dialect spells it."""
        ref = ref_of(job_id)
        return job_id if ref is None else self._spell(ref)

    def _spell(self, ref: str) -> str:
        body = ref.upper() if self.upper else ref.lower()
        return f"{self.prefix}{self.joiner}{body}" if self.prefix else body
