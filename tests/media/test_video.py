"""`veogate.media.video`: measuring MP4 files written here with PyAV (nothing mocked)."""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from veogate.media.video import VideoProbe, is_faststart, iter_top_level_boxes, probe


def write_mp4(
    path: Path,
    *,
    frames: int = 30,
    size: tuple[int, int] = (320, 240),
    faststart: bool = False,
    audio_seconds: float | None = None,
    profile: str = "main",
) -> Path:
    """A small H.264 MP4: a moving gradient, optionally with a sine tone."""
    width, height = size
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), mode="w", format="mp4", options=options) as container:
        video = container.add_stream("libx264", rate=24, options={"profile": profile})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = None
        if audio_seconds is not None:
            audio = container.add_stream("aac", rate=48_000)
            audio.layout = "mono"
        ramp = np.linspace(0, 255, width, dtype=np.float32)[None, :, None]
        for index in range(frames):
            pixels = np.broadcast_to((ramp + index * 8) % 256, (height, width, 3))
            frame = av.VideoFrame.from_ndarray(pixels.astype(np.uint8), format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, 24)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if audio is not None and audio_seconds is not None:
            total = int(audio_seconds * 48_000)
            tone = np.sin(np.arange(total, dtype=np.float32) * 0.05).astype(np.float32)
            for start in range(0, total, 1024):
                chunk = tone[start : start + 1024]
                aframe = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
                aframe.sample_rate, aframe.pts = 48_000, start
                aframe.time_base = Fraction(1, 48_000)
                container.mux(audio.encode(aframe))
            container.mux(audio.encode(None))
    return path


def test_probe_measures_a_plain_mp4(tmp_path: Path) -> None:
    path = write_mp4(tmp_path / "plain.mp4", frames=30)
    measured = probe(path)
    assert isinstance(measured, VideoProbe)
    assert (measured.width, measured.height) == (320, 240)
    assert measured.frame_count == 30
    assert measured.fps == 24.0
    assert measured.duration_seconds == pytest.approx(30 / 24, abs=0.01)
    assert measured.video_codec == "h264"
    assert measured.profile == "Main"
    assert measured.pix_fmt == "yuv420p"
    assert measured.has_audio is False
    assert measured.audio_codec is None
    assert measured.size_bytes == path.stat().st_size
    assert measured.faststart is False
    assert is_faststart(path) is False


def test_probe_sees_faststart_audio_and_high_profile(tmp_path: Path) -> None:
    path = write_mp4(
        tmp_path / "fast.mp4", frames=48, faststart=True, audio_seconds=2.0, profile="high"
    )
    measured = probe(path)
    assert measured.faststart is True
    assert is_faststart(path) is True
    assert measured.frame_count == 48
    assert measured.profile == "High"
    assert measured.has_audio is True
    assert measured.audio_codec == "aac"
    assert measured.audio_duration_seconds == pytest.approx(2.0, abs=0.05)
    boxes = [box.type for box in iter_top_level_boxes(path)]
    assert boxes.index("moov") < boxes.index("mdat")


def test_frame_count_comes_from_decoding(tmp_path: Path) -> None:
    """An odd frame count, not a multiple of anything the header could round to."""
    assert probe(write_mp4(tmp_path / "odd.mp4", frames=37)).frame_count == 37


def _box(kind: bytes, payload: bytes, large: bool = False) -> bytes:
    if large:
        return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def test_box_parser_handles_64_bit_and_to_end_sizes(tmp_path: Path) -> None:
    path = tmp_path / "boxes.mp4"
    ftyp = _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2")
    moov = _box(b"moov", b"\x00" * 40, large=True)
    mdat = struct.pack(">I4s", 0, b"mdat") + b"\xff" * 100  # size 0: runs to end of file
    path.write_bytes(ftyp + moov + mdat)
    boxes = list(iter_top_level_boxes(path))
    assert [(b.type, b.offset, b.size) for b in boxes] == [
        ("ftyp", 0, len(ftyp)),
        ("moov", len(ftyp), 56),
        ("mdat", len(ftyp) + 56, 108),
    ]
    assert is_faststart(path) is True

    path.write_bytes(ftyp + _box(b"mdat", b"\x00" * 64, large=True) + _box(b"moov", b"\x00" * 8))
    assert is_faststart(path) is False


def test_probe_rejects_what_is_not_a_decodable_mp4(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video at all, just some words\n" * 20)
    with pytest.raises(ValueError, match="not an MP4"):
        probe(text)
    with pytest.raises(ValueError, match="not an MP4"):
        is_faststart(text)

    good = write_mp4(tmp_path / "good.mp4", frames=24, faststart=True).read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="not an MP4"):
        probe(truncated)

    boxes_only = tmp_path / "boxes-only.mp4"
    boxes_only.write_bytes(_box(b"ftyp", b"isom\x00\x00\x02\x00") + _box(b"moov", b"\x00" * 16))
    with pytest.raises(ValueError, match="not a decodable MP4"):
        probe(boxes_only)

    with pytest.raises(FileNotFoundError):
        probe(tmp_path / "missing.mp4")


@pytest.mark.parametrize(
    ("frames", "faststart", "audio_seconds", "profile"),
    [(37, False, None, "main"), (48, True, 2.0, "high"), (1, False, None, "baseline")],
)
def test_probe_without_decoding_measures_the_same(
    tmp_path: Path, frames: int, faststart: bool, audio_seconds: float | None, profile: str
) -> None:
    """`decode=False` (for packets copied from an upstream) reads what decoding measures."""
    path = write_mp4(
        tmp_path / "same.mp4",
        frames=frames,
        faststart=faststart,
        audio_seconds=audio_seconds,
        profile=profile,
    )
    assert probe(path, decode=False) == probe(path)


def test_probe_without_decoding_still_rejects_what_is_not_an_mp4(tmp_path: Path) -> None:
    path = tmp_path / "text.mp4"
    path.write_bytes(b"\x00\x00\x00\x08moov" + b"not a video" * 10)
    with pytest.raises(ValueError, match="not an MP4"):
        probe(path, decode=False)
    path.write_bytes(write_mp4(tmp_path / "ok.mp4").read_bytes()[:-2000])  # mdat cut short
    with pytest.raises(ValueError, match=r"not a decodable MP4|not an MP4"):
        probe(path, decode=False)
