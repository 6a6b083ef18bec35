"""`PreviewProvider`: the embedded default provider, rendering previews locally.

Rendering is CPU-bound, so it runs in a worker thread (`asyncio.to_thread`); the event
loop only receives progress, posted back with `call_soon_threadsafe`. A thread was chosen
over a process pool by measurement (bench/bench_render_offloop.py): the heavy parts,
x264 and numpy, release the GIL, so event-loop tick lateness was the same within noise
for both, while a thread needs no pickling of images, no spawn start-up and lets
cancellation reach the render through a simple flag.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from veogate.providers.base import ProgressCallback, SampleRequest
from veogate.providers.preview.render import render_sample


def _lower_priority(niceness: int) -> None:
    with contextlib.suppress(OSError):  # not permitted, or not Linux: render at normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)


@functools.cache
def _render_threads(niceness: int) -> ThreadPoolExecutor:
    """Render threads at `niceness`; the encoder threads they start inherit it, so renders
    yield the CPU to the API (bench/bench_status_reads.py measures the difference)."""
    if niceness == 0:
        return ThreadPoolExecutor(thread_name_prefix="preview-render")
    return ThreadPoolExecutor(
        thread_name_prefix="preview-render", initializer=_lower_priority, initargs=(niceness,)
    )


class PreviewProvider:
    """Renders a deterministic preview video for each sample (not an AI model)."""

    name = "preview"

    def __init__(self, niceness: int = 10) -> None:
        self.niceness = niceness

    async def generate(
        self, request: SampleRequest, destination: Path, progress: ProgressCallback
    ) -> None:
        """Render `request` into `destination`.

        `progress` is called on the event loop's thread with increasing fractions, at
        most ~10 times a second, ending with 1.0 on success. Cancelling the calling task
        stops the render within a frame; no file is left at `destination` then.
        Raises `ProviderError` when the video cannot be encoded.
        """
        loop = asyncio.get_running_loop()
        stop = threading.Event()
        reported = -1.0

        def deliver(fraction: float) -> None:
            nonlocal reported
            if stop.is_set() or fraction <= reported:
                return
            reported = min(1.0, max(0.0, fraction))
            progress(reported)

        def from_worker(fraction: float) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed under us
                loop.call_soon_threadsafe(deliver, fraction)

        worker = loop.run_in_executor(
            _render_threads(self.niceness),
            render_sample,
            request,
            Path(destination),
            from_worker,
            stop.is_set,
        )
        try:
            await asyncio.shield(worker)
        except asyncio.CancelledError:
            stop.set()
            with contextlib.suppress(Exception):
                await worker  # let the render notice, stop and remove its partial file
            raise
        deliver(1.0)
