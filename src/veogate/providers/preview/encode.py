"""Deterministic MP4 writing: H.264 High (libx264, yuv420p, BT.709) and optional AAC.

Byte-identical output for identical input needs a fixed encoder configuration: the
x264 thread count is pinned (x264's output depends on it, and "auto" depends on the
machine), no creation time is written, and the muxer runs in bit-exact mode so no
library version string lands in the file.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np
import numpy.typing as npt
from av.audio.stream import AudioStream
from av.container import OutputContainer
from av.video.stream import VideoStream

from veogate.jobs.model import FPS

X264_THREADS = 4
AUDIO_FRAME = 1024  # AAC frame size
AUDIO_BIT_RATE = 128_000
_BT709 = 1  # AVCOL_PRI_BT709 == AVCOL_TRC_BT709 == AVCOL_SPC_BT709
_LIMITED_RANGE = 1  # AVCOL_RANGE_MPEG


class Mp4Writer:
    """Writes YUV 4:2:0 frames (and mono float audio) into a fast-start MP4 at `path`."""

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        audio: npt.NDArray[np.float32] | None = None,
        audio_rate: int = 48_000,
    ) -> None:
        self.width, self.height = width, height
        self._container: OutputContainer = av.open(
            str(path),
            mode="w",
            format="mp4",
            options={"movflags": "+faststart", "fflags": "+bitexact"},
        )
        try:
            self._video = self._add_video()
            self._audio_stream = None if audio is None else self._add_audio(audio_rate)
        except BaseException:
            self._container.close()
            raise
        self._samples = audio
        self._audio_rate = audio_rate
        self._audio_sent = 0

    def _add_video(self) -> VideoStream:
        stream = self._container.add_stream(
            "libx264",
            rate=FPS,
            options={"preset": "veryfast", "profile": "high", "crf": "21", "g": str(2 * FPS)},
        )
        stream.width, stream.height = self.width, self.height
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, FPS)
        ctx = stream.codec_context
        ctx.thread_count = X264_THREADS
        ctx.color_primaries = ctx.color_trc = ctx.colorspace = _BT709
        ctx.color_range = _LIMITED_RANGE
        return stream

    def _add_audio(self, rate: int) -> AudioStream:
        stream = self._container.add_stream("aac", rate=rate)
        stream.layout = "mono"
        stream.bit_rate = AUDIO_BIT_RATE
        stream.time_base = Fraction(1, rate)
        return stream

    def write_frame(self, frame: npt.NDArray[np.uint8], index: int) -> None:
        """Encode frame number `index` (shape `(height * 3 // 2, width)`, yuv420p)."""
        video_frame = av.VideoFrame.from_ndarray(frame, format="yuv420p")
        video_frame.pts = index
        video_frame.time_base = Fraction(1, FPS)
        video_frame.colorspace = _BT709
        video_frame.color_range = _LIMITED_RANGE
        self._container.mux(self._video.encode(video_frame))
        self._send_audio(until_sample=(index + 1) * self._audio_rate // FPS)

    def _send_audio(self, until_sample: int, final: bool = False) -> None:
        if self._samples is None or self._audio_stream is None:
            return
        total = len(self._samples)
        until = min(until_sample, total)
        while self._audio_sent < until:
            end = self._audio_sent + AUDIO_FRAME
            if end > until and not (final and until == total):
                return
            chunk = self._samples[self._audio_sent : min(end, total)]
            frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
            frame.sample_rate = self._audio_rate
            frame.pts = self._audio_sent
            frame.time_base = Fraction(1, self._audio_rate)
            self._container.mux(self._audio_stream.encode(frame))
            self._audio_sent += len(chunk)

    def finish(self) -> None:
        """Flush both encoders and write the index (moved to the front of the file)."""
        if self._samples is not None:
            self._send_audio(until_sample=len(self._samples), final=True)
        self._container.mux(self._video.encode(None))
        if self._audio_stream is not None:
            self._container.mux(self._audio_stream.encode(None))
        self._container.close()

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self._container.close()
