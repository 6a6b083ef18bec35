"""Do status reads stay fast while videos render in the same process?

Starts `veogate serve` (embedded default, 2 renders at once) on 127.0.0.1, measures the
latency of N status reads while idle (the baseline), then again while two 1080p 8-second
previews render — once with render threads at normal priority, once at the default
niceness — and reports p50/p99 and the ratios against the idle baseline.

    .venv/bin/python bench/bench_status_reads.py [--reads 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.server import ServerProcess

JOB = {"model": "veo3.1-fast-official", "prompt": "bench", "resolution": "1080p", "sample_count": 4}


def latencies(client: httpx.Client, path: str, reads: int) -> list[float]:
    samples = []
    for _ in range(reads):
        started = time.perf_counter()
        client.get(path).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
        time.sleep(0.005)
    return samples


def summary(name: str, ms: list[float]) -> tuple[float, float]:
    p50, p99 = statistics.median(ms), statistics.quantiles(ms, n=100)[98]
    print(f"{name:<28}{len(ms):>6}{p50:>10.2f}{p99:>10.2f}{max(ms):>10.2f}")
    return p50, p99


def measure(reads: int, niceness: int) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory() as root:
        env = {"VEOGATE_RENDER_CONCURRENCY": "2", "VEOGATE_RENDER_NICENESS": str(niceness)}
        server = ServerProcess(Path(root), env=env)
        server.start()
        try:
            client = server.client()
            first = client.post("/v1/videos/generations", json=JOB | {"sample_count": 1})
            task = first.json()["data"][0]["task_id"]
            while client.get(f"/v1/tasks/{task}").json()["data"]["status"] != "completed":
                time.sleep(0.2)
            idle = latencies(client, f"/v1/tasks/{task}", reads)
            for _ in range(2):
                client.post("/v1/videos/generations", json=JOB)
            time.sleep(1.0)  # both renders are under way
            busy = latencies(client, f"/v1/tasks/{task}", reads)
        finally:
            server.stop()
    return idle, busy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=300)
    args = parser.parse_args()
    idle, normal = measure(args.reads, niceness=0)
    _, niced = measure(args.reads, niceness=10)
    print(f"{'status reads (ms)':<28}{'n':>6}{'p50':>10}{'p99':>10}{'max':>10}")
    idle_p50, idle_p99 = summary("idle (baseline)", idle)
    for name, busy in (("renders at niceness 0", normal), ("renders at niceness 10", niced)):
        p50, p99 = summary(name, busy)
        print(f"{'':<28}ratio to idle: p50 {p50 / idle_p50:.2f}x  p99 {p99 / idle_p99:.2f}x")


if __name__ == "__main__":
    main()
