"""Independent checks of MP4 bytes, decoded with PyAV (not through veogate's own probe)."""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import av


@dataclass
class Decoded:
    width: int
    height: int
    frames: int
    fps: float
    profile: str | None
    pix_fmt: str | None
    codec: str
    audio_codec: str | None
    audio_seconds: float
    video_seconds: float
    moov_before_mdat: bool


def top_level_boxes(data: bytes) -> list[str]:
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        elif size == 0:
            size = len(data) - offset
        boxes.append(kind.decode("latin-1"))
        offset += size
    return boxes


def decode(data: bytes) -> Decoded:
    boxes = top_level_boxes(data)
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        frames = 0
        audio_samples = 0
        sample_rate = audio.rate if audio else 0
        for frame in container.decode(*container.streams):
            if isinstance(frame, av.VideoFrame):
                frames += 1
            else:
                audio_samples += frame.samples
        return Decoded(
            width=video.codec_context.width,
            height=video.codec_context.height,
            frames=frames,
            fps=float(video.average_rate or 0),
            profile=video.codec_context.profile,
            pix_fmt=video.codec_context.pix_fmt,
            codec=video.codec_context.name,
            audio_codec=audio.codec_context.name if audio else None,
            audio_seconds=audio_samples / sample_rate if sample_rate else 0.0,
            video_seconds=frames / float(video.average_rate or 1),
            moov_before_mdat=boxes.index("moov") < boxes.index("mdat"),
        )
