"""What start-up leaves alive is taken out of later collections; new garbage still goes."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from veogate.heap import freeze_startup_heap


@pytest.fixture
def frozen() -> Iterator[None]:
    freeze_startup_heap()
    yield
    gc.unfreeze()


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_startup_objects_are_frozen(frozen: None) -> None:
    assert gc.get_freeze_count() > 1_000


def test_cycles_made_after_start_up_are_still_collected(frozen: None) -> None:
    first, second = Node(), Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    del first, second
    gc.collect()
    assert gone() is None
