"""Rewrite an MP4 with `moov` first, copying the coded streams (never re-encoding)."""

from __future__ import annotations

import os
from pathlib import Path

import av

from veogate.media.video import is_faststart


def remux_faststart(source: Path, destination: Path) -> None:
    """Copy `source`'s audio and video packets into `destination` with faststart.

    Upstream MP4s are stored as they came, only re-muxed so that browsers can start
    playing before the download ends. Raises `ValueError` if `source` is not an MP4
    PyAV can read.
    """
    partial = destination.with_name(f".{destination.name}.part")
    try:
        with (
            av.open(str(source)) as inp,
            av.open(str(partial), "w", format="mp4", options={"movflags": "+faststart"}) as out,
        ):
            mapping = {}
            for stream in inp.streams:
                if stream.type in ("video", "audio"):
                    mapping[stream.index] = out.add_stream_from_template(stream)
            if not mapping:
                raise ValueError(f"{source.name} has no audio or video stream")
            for packet in inp.demux(*[inp.streams[i] for i in mapping]):
                if packet.dts is None:
                    continue
                packet.stream = mapping[packet.stream.index]
                out.mux(packet)
    except (av.FFmpegError, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise ValueError(f"could not remux {source.name}: {exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if not is_faststart(partial):
        partial.unlink(missing_ok=True)
        raise ValueError(f"remuxing {source.name} did not put moov first")
    os.replace(partial, destination)
