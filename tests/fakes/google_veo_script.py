"""What a test can script on the fake Veo upstream, and what the fake records.

A `VeoScript` is set before the calls it affects (`fake.script = VeoScript(...)`). Faults are
consumed in order, one per request of their kind, before the request is served normally:

    VeoScript(submit_faults=[Fault.status(429, retry_after=7)] * 2)   # two 429s, then success
    VeoScript(poll_faults=[Fault.malformed()])                         # one bad poll answer
    VeoScript(download_faults=[Fault.hang(5)])                         # a download that hangs
"""

from __future__ import annotations

import functools
import io
import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import av
import numpy as np

FaultKind = Literal["status", "malformed", "hang"]


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    status_code: int = 200
    retry_after: str | None = None
    seconds: float = 0.0

    @classmethod
    def status(cls, code: int, *, retry_after: float | str | None = None) -> Fault:
        """An error answer in Google's JSON error shape, with an optional Retry-After header."""
        return cls("status", code, None if retry_after is None else str(retry_after))

    @classmethod
    def malformed(cls) -> Fault:
        """A 200 answer whose body is not JSON."""
        return cls("malformed")

    @classmethod
    def hang(cls, seconds: float) -> Fault:
        """Sleep `seconds` before answering normally (longer than the client's timeout)."""
        return cls("hang", seconds=seconds)


@dataclass
class VeoScript:
    polls_until_done: int = 0
    """Polls answered `done: false` before the operation is done."""
    seconds_until_done: float = 0.0
    """Alternatively (or as well), time after submit before the operation is done."""
    samples: int | None = None
    """Samples produced before filtering; None means the request's sampleCount."""
    filtered: int = 0
    """Samples removed by the RAI filter (`raiMediaFilteredCount`)."""
    filtered_reasons: list[str] = field(default_factory=list)
    operation_error: tuple[int, str] | None = None
    """When set, the operation finishes with this `error` instead of a response."""
    gcs_output: bool = False
    """Vertex only: answer `gcsUri` items instead of inline bytes."""
    download_redirect: bool = False
    """Gemini downloads answer 302 to another path on the fake, which serves the bytes."""
    submit_faults: list[Fault] = field(default_factory=list)
    poll_faults: list[Fault] = field(default_factory=list)
    download_faults: list[Fault] = field(default_factory=list)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def kind(self) -> str:
        """`submit`, `poll`, `download` or `other`."""
        if self.path.endswith(":predictLongRunning"):
            return "submit"
        if self.path.endswith(":fetchPredictOperation") or "/operations/" in self.path:
            return "poll"
        if ":download" in self.path or self.path.startswith("/blobs/"):
            return "download"
        return "other"


def tiny_mp4(index: int = 0) -> bytes:
    """A real, valid 64x36 H.264 MP4 of 1 s at 24 fps; each `index` has its own colour."""
    return sample_mp4(index, 64, 36, 1)


@functools.lru_cache(maxsize=8)
def sample_mp4(index: int, width: int, height: int, seconds: int) -> bytes:
    """A real H.264 MP4 of the given size; noisy frames make a large one weigh what a real
    video of that size does (a few MB for 720p x 8 s)."""
    buffer = io.BytesIO()
    noise = np.random.default_rng(index).integers(0, 48, (height, width, 3), dtype=np.uint8)
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=24, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, 24)
        shade = (40 + 50 * index) % 256
        for n in range(24 * seconds):
            colour = np.array((shade, (n * 10) % 256, 255 - shade), dtype=np.uint8)
            pixels = np.full((height, width, 3), colour, dtype=np.uint8)
            if width > 64:
                pixels = pixels ^ np.roll(noise, n, axis=1)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = n
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()
