"""Run the fake Veo upstream as a process of its own (for benchmarks).

    python -m tests.fakes.serve_google_veo --port 0 --seconds-until-done 60 --video 1280x720x8

Prints its base URL on the first line of stdout, then serves until stdin closes or SIGTERM.
`GET /_fake/operations`, `POST /_fake/hold` and `POST /_fake/release` steer and report it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from tests.fakes.google_veo import FakeVeo
from tests.fakes.google_veo_script import VeoScript, sample_mp4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds-until-done", type=float, default=60.0)
    parser.add_argument("--video", default="64x36x1", help="WIDTHxHEIGHTxSECONDS of samples")
    parser.add_argument("--hold", action="store_true", help="start holding every operation")
    parser.add_argument(
        "--replay-on-release",
        action="store_true",
        help="on release, finish operations with the spacing they were submitted with",
    )
    parser.add_argument("--replay-speed", type=float, default=1.0)
    parser.add_argument("--api-key", default="bench-key")
    args = parser.parse_args()
    width, height, seconds = (int(part) for part in args.video.split("x"))
    sample_mp4(0, width, height, seconds)  # encode before serving
    fake = FakeVeo(api_key=args.api_key)
    fake.record = False
    fake.video_size = (width, height, seconds)
    fake.holding = args.hold
    fake.replay_on_release = args.replay_on_release
    fake.replay_speed = args.replay_speed
    fake.script = VeoScript(seconds_until_done=args.seconds_until_done)
    fake.start()
    print(fake.base_url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    fake.stop()


if __name__ == "__main__":
    main()
