"""Remuxing keeps every coded packet and puts moov first."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import numpy as np
import pytest

from veogate.media.remux import remux_faststart
from veogate.media.video import is_faststart, probe


def write_plain_mp4(path: Path, frames: int = 30, audio: bool = True) -> None:
    """An MP4 *without* faststart, as an upstream might send it."""
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=24)
        video.width, video.height, video.pix_fmt = 320, 180, "yuv420p"
        sound = out.add_stream("aac", rate=48000) if audio else None
        for i in range(frames):
            image = np.full((180, 320, 3), (i * 8) % 255, dtype=np.uint8)
            for packet in video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if sound is not None:
            samples = np.zeros((1, 1024), dtype=np.float32)
            for n in range(int(48000 * frames / 24 / 1024) + 1):
                frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
                frame.sample_rate, frame.pts = 48000, n * 1024
                for packet in sound.encode(frame):
                    out.mux(packet)
            for packet in sound.encode():
                out.mux(packet)


def packet_digests(path: Path) -> list[str]:
    with av.open(str(path)) as container:
        return [hashlib.sha256(bytes(p)).hexdigest() for p in container.demux() if p.size]


@pytest.mark.parametrize("audio", [True, False])
def test_remux_moves_moov_first_without_reencoding(tmp_path: Path, audio: bool) -> None:
    source, destination = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_plain_mp4(source, audio=audio)
    assert not is_faststart(source)
    measured = remux_faststart(source, destination)
    assert is_faststart(destination)
    assert packet_digests(destination) == packet_digests(source)
    info = probe(destination)
    assert (info.width, info.height, info.frame_count) == (320, 180, 30)
    assert info.has_audio is audio
    # What the remux measured while copying is what decoding the result measures.
    assert measured == probe(destination, decode=False)
    assert (measured.frame_count, measured.fps, measured.size_bytes) == (
        info.frame_count,
        info.fps,
        destination.stat().st_size,
    )
    assert measured.duration_seconds == pytest.approx(info.duration_seconds)
    assert not list(tmp_path.glob(".*.part"))


def test_remux_rejects_garbage(tmp_path: Path) -> None:
    source = tmp_path / "in.mp4"
    source.write_bytes(b"<html>not a video</html>")
    with pytest.raises(ValueError, match="could not remux"):
        remux_faststart(source, tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()
    assert not list(tmp_path.glob(".*.part"))
