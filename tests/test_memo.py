"""`veogate.memo.TtlMemo`: remembered for the TTL, bounded, failures never remembered."""

from __future__ import annotations

import asyncio

import pytest

from veogate.memo import TtlMemo


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> int:
        self.calls += 1
        return self.calls


async def test_answers_are_remembered_for_the_ttl_then_recomputed() -> None:
    memo: TtlMemo[str, int] = TtlMemo(ttl_seconds=0.2)
    compute = Counter()
    assert [await memo.get("k", compute) for _ in range(3)] == [1, 1, 1]
    await asyncio.sleep(0.25)
    assert await memo.get("k", compute) == 2


async def test_zero_ttl_computes_every_time() -> None:
    memo: TtlMemo[str, int] = TtlMemo(ttl_seconds=0)
    compute = Counter()
    assert [await memo.get("k", compute) for _ in range(3)] == [1, 2, 3]


async def test_least_recently_used_keys_are_dropped_beyond_the_bound() -> None:
    memo: TtlMemo[int, int] = TtlMemo(ttl_seconds=60, max_entries=2)
    computes = {k: Counter() for k in range(3)}
    for key in (0, 1, 0, 2):  # 1 is now the least recently used
        await memo.get(key, computes[key])
    await memo.get(0, computes[0])
    await memo.get(1, computes[1])
    assert (computes[0].calls, computes[1].calls) == (1, 2)


async def test_a_failure_is_not_remembered() -> None:
    memo: TtlMemo[str, int] = TtlMemo(ttl_seconds=60)

    async def refuse() -> int:
        raise PermissionError("unknown key")

    with pytest.raises(PermissionError):
        await memo.get("k", refuse)
    assert await memo.get("k", Counter()) == 1
