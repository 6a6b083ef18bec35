"""Keeping the garbage collector's full collections short in a long-running process.

CPython's full (generation 2) collection walks every tracked object. After start-up a
`veogate serve` holds ~170,000 of them (FastAPI, SQLAlchemy, the workflow engine, the codecs'
bindings, the catalog), nearly all alive until exit; a full collection over them took
60-140 ms of CPU on the 2-core build machine, a stall of the event loop that every request
in flight waits out, and one comes due every so often while thousands of jobs are created.

`gc.freeze()` moves every object alive at that moment into a permanent generation that
collections skip. Called once start-up is done, it leaves full collections only the objects
made since (requests, jobs in flight), which is what they are for. Cycles among frozen
objects are never collected: nothing made at start-up is meant to die before exit.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_startup_heap() -> None:
    """Collect once, then take what survived out of every later collection."""
    gc.collect()
    gc.freeze()
    log.debug("%d objects frozen out of garbage collection", gc.get_freeze_count())
