"""Reading `Prefer: wait` (RFC 7240): the first `wait`, clamped, and nothing if malformed."""

from __future__ import annotations

import pytest

from veogate.api.wait import MAX_WAIT_SECONDS, wait_preference


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ([], None),
        (["wait=10"], 10),
        (["WAIT = 7"], 7),
        (['wait="12"'], 12),
        (["respond-async, wait=5"], 5),
        (["wait=3; foo=bar"], 3),
        (["handling=lenient", "wait=4"], 4),
        (["wait=4, wait=9"], 4),
        (["wait=0"], 0),
        (["wait=61"], MAX_WAIT_SECONDS),
        (["wait=99999999999999999999999"], MAX_WAIT_SECONDS),
        (["wait=-1"], None),
        (["wait=1.5"], None),
        (["wait=soon"], None),
        (["wait="], None),
        (["wait=١٢"], None),  # digits, but not ASCII ones
        (["respond-async"], None),
    ],
)
def test_wait_preference(headers: list[str], seconds: int | None) -> None:
    assert wait_preference(headers) == seconds
