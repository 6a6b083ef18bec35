"""The process's image decoder: one decode at a time, off the event loop, memory returned.

A decode holds a full-size buffer of up to `decode_budget(max_pixels)` bytes (200 MB at
the default cap), so each process decodes in one thread of its own: however many jobs
want images decoded, at most one such buffer exists. Decodes wait their turn in the
executor's queue, not in a thread of the shared pool.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

from veogate.media.images import Fit, decode_image


@functools.cache
def _decode_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="image-decode")


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None on other C libraries."""
    try:
        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def _return_freed_memory() -> None:
    """Give freed heap memory back to the system. glibc keeps freed memory in the arena
    of the thread that freed it (and, once a buffer this large has been freed, serves the
    next ones from arenas too instead of their own mappings), so without this a decode's
    buffer would stay resident next to whatever the render threads keep."""
    if (trim := _malloc_trim()) is not None:
        trim(0)


def _decode_and_release(data: bytes, field: str, max_pixels: int, fit: Fit | None) -> Image.Image:
    _return_freed_memory()
    try:
        return decode_image(data, field=field, max_pixels=max_pixels, fit=fit)
    finally:
        _return_freed_memory()


async def decode_in_background(
    data: bytes, *, field: str, max_pixels: int, fit: Fit | None = None
) -> Image.Image:
    """`decode_image` in the decode thread, after any decode already queued; the memory
    freed is given back to the system before and after."""
    decode = functools.partial(_decode_and_release, data, field, max_pixels, fit)
    return await asyncio.get_running_loop().run_in_executor(_decode_thread(), decode)
