"""Rendering one preview sample into an MP4 file, synchronously (CPU-bound).

`render_sample` is what the provider runs off the event loop. It writes to a temporary
file next to `destination` and renames it into place only once the file is complete,
so `destination` never holds a half-written video.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

import av

from veogate.errors import ProviderError
from veogate.providers.base import SampleRequest
from veogate.providers.preview.audio import SAMPLE_RATE, synthesize
from veogate.providers.preview.encode import Mp4Writer
from veogate.providers.preview.frames import FrameComposer
from veogate.providers.preview.yuv import new_frame

PROGRESS_INTERVAL_S = 0.1


class RenderCancelled(Exception):
    """Raised inside a render when its `cancelled` check turned true."""


class _Throttle:
    """Forwards increasing fractions at most once per `PROGRESS_INTERVAL_S`."""

    def __init__(self, sink: Callable[[float], None] | None) -> None:
        self._sink = sink
        self._last_time = float("-inf")
        self._last_value = -1.0

    def __call__(self, fraction: float) -> None:
        if self._sink is None or fraction <= self._last_value:
            return
        now = time.monotonic()
        if now - self._last_time >= PROGRESS_INTERVAL_S:
            self._last_time, self._last_value = now, fraction
            self._sink(fraction)


def _check_geometry(request: SampleRequest) -> None:
    w, h = request.width, request.height
    if w <= 0 or h <= 0 or w % 2 or h % 2:
        raise ProviderError(
            f"preview renderer needs positive, even frame sides for yuv420p; got {w}x{h}"
        )
    if request.spec.duration_seconds <= 0:
        raise ProviderError("preview renderer needs a positive duration")


def render_sample(
    request: SampleRequest,
    destination: Path,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> None:
    """Render `request` into an MP4 at `destination`.

    `progress` receives increasing fractions below 1.0, at most ~10 per second, from the
    calling thread; the caller reports 1.0 itself once this returns. Raises
    `ProviderError` if the video cannot be produced and `RenderCancelled` if
    `cancelled()` turned true; in both cases nothing is left at `destination`.
    """
    _check_geometry(request)
    spec = request.spec
    destination = Path(destination)
    partial = destination.with_name(f".{destination.name}.{secrets.token_hex(6)}.part")
    report = _Throttle(progress)
    try:
        composer = FrameComposer(request)
        samples = None
        if spec.generate_audio:
            samples = synthesize(spec.seed, request.sample_index, spec.duration_seconds)
        frame = new_frame(request.width, request.height)
        total = spec.frame_count
        with Mp4Writer(partial, request.width, request.height, samples, SAMPLE_RATE) as out:
            for index in range(total):
                if cancelled is not None and cancelled():
                    raise RenderCancelled(f"render of {destination.name} cancelled")
                composer.render(index, frame)
                out.write_frame(frame, index)
                report(0.97 * (index + 1) / total)
            out.finish()
        if cancelled is not None and cancelled():
            raise RenderCancelled(f"render of {destination.name} cancelled")
        os.replace(partial, destination)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise ProviderError(
            f"preview renderer could not encode {destination.name}: {exc}", retryable=False
        ) from exc
    finally:
        partial.unlink(missing_ok=True)
