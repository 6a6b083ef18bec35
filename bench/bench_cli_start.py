"""How long a `veogate` client command takes to start, side by side with a baseline commit.

Runs `veogate jobs --help` (parsing only: what every `veogate generate` and `veogate jobs`
pays before its first request) and `veogate keys --help` (a server command's parse), each
`--runs` times, alternating this checkout and the baseline so that both see the same
machine. Reports the median wall time and the peak memory of the process, and the ratios.

    .venv/bin/python bench/bench_cli_start.py --baseline-ref d0ec8ab
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_relay_load import Code, baseline_code

COMMANDS = (("jobs", "--help"), ("keys", "--help"))


def run_once(code: Code, command: tuple[str, ...]) -> tuple[float, float]:
    """(seconds, peak MiB) of one `python -m veogate.cli.main <command>`."""
    started = time.perf_counter()
    probe = (
        "import runpy, sys\n"
        f"sys.argv = ['veogate', *{list(command)!r}]\n"
        "try:\n    runpy.run_module('veogate.cli.main', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        # VmHWM: this image's peak (ru_maxrss would carry the forking bench's own over exec)
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(hwm.split()[1], file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, **code.env()},
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    return seconds, peak_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-ref", default="d0ec8ab")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    current = Code("this checkout", Path(__file__).resolve().parent.parent / "src")
    with baseline_code(args.baseline_ref) as baseline:
        assert baseline is not None, "a baseline is needed"
        for command in COMMANDS:
            figures: dict[str, list[tuple[float, float]]] = {current.name: [], baseline.name: []}
            for _ in range(args.runs):
                for code in (current, baseline):
                    figures[code.name].append(run_once(code, command))
            medians = {
                name: (statistics.median(s for s, _ in runs), max(m for _, m in runs))
                for name, runs in figures.items()
            }
            now, then = medians[current.name], medians[baseline.name]
            print(f"veogate {' '.join(command)} ({args.runs} runs each, alternating)")
            for name, (seconds, mib) in medians.items():
                print(f"  {name:<22} {seconds * 1000:7.0f} ms   peak {mib:6.1f} MiB")
            ratios = f"{now[0] / then[0]:6.2f}×        {now[1] / then[1]:6.2f}×"
            print(f"  ratio (this / baseline)  {ratios}")


if __name__ == "__main__":
    main()
