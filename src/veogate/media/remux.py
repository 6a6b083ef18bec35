"""Rewrite an MP4 with `moov` first, copying the coded streams (never re-encoding), and
measure it in the same pass."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import av

from veogate.media.video import PacketTally, VideoProbe, is_faststart, video_stream


def remux_faststart(source: Path, destination: Path) -> VideoProbe:
    """Copy `source`'s audio and video packets into `destination` with faststart, and
    return the measurements of `destination` (as `probe(decode=False)` would give them).

    Upstream MP4s are stored as they came, only re-muxed so that browsers can start
    playing before the download ends. The packets are counted while they are copied: one
    demux instead of two (`docs/performance.md`). Raises `ValueError` if `source` is not an
    MP4 with a video stream that PyAV can read.
    """
    partial = destination.with_name(f".{destination.name}.part")
    try:
        with (
            av.open(str(source)) as inp,
            av.open(str(partial), "w", format="mp4", options={"movflags": "+faststart"}) as out,
        ):
            video = video_stream(inp, source)
            mapping = {}
            for stream in inp.streams:
                if stream.type in ("video", "audio"):
                    mapping[stream.index] = out.add_stream_from_template(stream)
            tally = PacketTally()
            for packet in inp.demux(*[inp.streams[i] for i in mapping]):
                if packet.dts is None:
                    continue
                if packet.stream.index == video.index:
                    tally.add(packet)
                packet.stream = mapping[packet.stream.index]
                out.mux(packet)
            measured = tally.measured(inp, video, destination, 0, faststart=True)
    except (av.FFmpegError, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise ValueError(f"could not remux {source.name}: {exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if not is_faststart(partial):
        partial.unlink(missing_ok=True)
        raise ValueError(f"remuxing {source.name} did not put moov first")
    size_bytes = partial.stat().st_size
    os.replace(partial, destination)
    return dataclasses.replace(measured, size_bytes=size_bytes)
