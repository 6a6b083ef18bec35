"""The provider seam: whatever turns a `JobSpec` into video files.

A provider is called once per sample. It writes an MP4 at `destination` and reports
progress (0.0..1.0) through `progress`. It raises `veogate.errors.GenerationError`
subclasses for failures it understands; anything else is treated as an internal error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from PIL import Image

from veogate.jobs.model import JobSpec

ProgressCallback = Callable[[float], None]


@dataclass(frozen=True)
class ResolvedImages:
    """The job's images, decoded and ready to use (RGB, EXIF orientation applied).

    Fitting to the output frame (`resize_mode`) is the renderer's job, since only it
    knows the output geometry it draws into.
    """

    first_frame: Image.Image | None = None
    last_frame: Image.Image | None = None
    references: tuple[Image.Image, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class SampleRequest:
    """One output video to produce."""

    spec: JobSpec
    sample_index: int
    width: int
    height: int
    images: ResolvedImages


class VideoProvider(Protocol):
    """Generates one sample of a job into a local MP4 file."""

    name: str

    async def generate(
        self, request: SampleRequest, destination: Path, progress: ProgressCallback
    ) -> None: ...
