"""Wall time of one 8-second preview render per resolution, with and without audio.

.venv/bin/python bench/bench_render_times.py [--resolutions 720p 1080p 4K] [--images]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench_render_offloop import SIZES, make_request
from veogate.media.video import probe
from veogate.providers.preview.render import render_sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolutions", nargs="+", choices=sorted(SIZES), default=list(SIZES))
    parser.add_argument("--images", action="store_true", help="first+last frame mode")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for resolution in args.resolutions:
            for audio in (False, True):
                request = make_request(resolution, audio, args.images)
                destination = Path(tmp) / f"{resolution}-{audio}.mp4"
                started = time.perf_counter()
                render_sample(request, destination)
                elapsed = time.perf_counter() - started
                measured = probe(destination)
                print(
                    f"{resolution:5s} audio={audio!s:5s} images={args.images!s:5s} "
                    f"render {elapsed:6.2f} s  {measured.frame_count} frames  "
                    f"{measured.size_bytes / 1e6:6.2f} MB"
                )


if __name__ == "__main__":
    main()
