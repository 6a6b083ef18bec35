"""Throughput of a scale-out deployment: jobs/s through the whole pipeline.

Starts real processes on one PostgreSQL database (loopback only) with a fake Google Veo
upstream that answers at once, submits N apimart jobs round-robin over the API processes
and waits until every job is terminal. Baseline: 1 API process + 1 worker; compared with
2 API processes + 2 workers in the same run, reported as a ratio. With `--baseline-ref`, the
same two setups also run that commit's code (from a git worktree), for a side-by-side of a
change's cost.

    .venv/bin/python bench/bench_scaleout.py [--jobs 300] [--baseline-ref ff94a90]

Needs PostgreSQL on 127.0.0.1:5432 (trust auth), as the test suite does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tests.fakes.google_veo import FakeVeo
from tests.support.cluster import Cluster, fresh_database, google_env
from tests.support.load import LoadResult, run_load

from bench_relay_load import Code, baseline_code


def measure(fake: FakeVeo, code: Code, apis: int, workers: int, jobs: int) -> LoadResult:
    fake.requests.clear()
    with fresh_database() as url, tempfile.TemporaryDirectory() as root:
        cluster = Cluster(Path(root), url, google_env(fake) | code.env())
        try:
            cluster.start(apis=apis, workers=workers)
            result = run_load(cluster, jobs)
        finally:
            cluster.stop()
    submits = len(fake.received("submit"))
    if result.statuses != {"succeeded": jobs} or submits != jobs:
        raise SystemExit(f"not every job succeeded exactly once: {result.statuses}, {submits}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--baseline-ref", default="", help="also run this commit's code")
    args = parser.parse_args()
    fake = FakeVeo().start()
    try:
        with baseline_code(args.baseline_ref or None) as baseline:
            codes = [Code("this"), *([baseline] if baseline else [])]
            rows = [
                (f"{code.name}: {a} API + {w} workers", measure(fake, code, a, w, args.jobs))
                for a, w in ((1, 1), (2, 2))
                for code in codes
            ]
    finally:
        fake.stop()
    base = rows[0][1].jobs_per_second
    print(f"{'setup':<40}{'jobs':>6}{'submit s':>10}{'total s':>10}{'jobs/s':>10}{'ratio':>8}")
    for name, r in rows:
        ratio = r.jobs_per_second / base
        print(
            f"{name:<40}{r.jobs:>6}{r.submit_seconds:>10.1f}{r.total_seconds:>10.1f}"
            f"{r.jobs_per_second:>10.1f}{ratio:>8.2f}"
        )


if __name__ == "__main__":
    main()
