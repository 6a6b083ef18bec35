"""Relay load: thousands of upstream jobs in flight on one process, side by side with a baseline.

Two parts, each run for this checkout and for a baseline in the same run:

* `api`: status reads/s and accepted creates/s from 32 concurrent clients (rate limits off),
  with p50/p99 latency; baselines: a bare FastAPI app on the same uvicorn settings, and the
  previous design (`--baseline-ref`, run from a git worktree of that commit).
* `relay`: N jobs created concurrently through the fake Google upstream (in its own process,
  each operation done `--done-after` seconds after its submit, default poll schedule); reports
  the accept rate, CPU of the veogate process while it only waits, peak RSS over the run, the
  completion lateness (job finished - operation done), status-read latency sampled
  throughout, failures, upstream submits per job and ERROR lines in the log. On the embedded
  default (`veogate serve`, SQLite) and on PostgreSQL (`veogate serve --no-worker` + one
  `veogate worker`; the worker's figures).

    .venv/bin/python bench/bench_relay_load.py                       # everything, 10,000 jobs
    .venv/bin/python bench/bench_relay_load.py --part relay --jobs 1000 --databases sqlite
    .venv/bin/python bench/bench_relay_load.py --part api --api-seconds 10

The API figures use `wrk` when it is installed (`apt-get install wrk`: a Python client caps a
bare route at ~2,200 requests/s on 2 cores), else an aiohttp closed loop.
The baseline relay runs `--baseline-jobs` jobs (docs/performance.md used 300: the previous
design needs minutes per thousand and a slot per job). docs/performance.md keeps a run.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.support.cluster import WorkerProcess, fresh_database, sql  # noqa: E402
from tests.support.server import ServerProcess, free_port  # noqa: E402

from loadgen import (  # noqa: E402
    closed_loop,
    cpu_seconds,
    memory_mb,
    percentile,
    wrk_closed_loop,
)

CREATE = {"model": "veo3.1-fast-official", "duration": 8}
CLIENTS = 32
SETTLE_SECONDS = 45.0
"""After the last submit, until every operation is polled at the schedule's longest interval."""


# ---------------------------------------------------------------------------- processes


@dataclass
class Code:
    """Which veogate runs: this checkout, or a baseline commit's source tree."""

    name: str
    src: Path | None = None

    def env(self) -> dict[str, str]:
        return {"PYTHONPATH": str(self.src)} if self.src else {}


@contextlib.contextmanager
def baseline_code(ref: str | None) -> Iterator[Code | None]:
    if not ref:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="veogate-baseline-") as root:
        tree = Path(root) / "tree"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), ref],
            check=True,
        )
        try:
            yield Code(f"baseline {ref}", tree / "src")
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False
            )


@contextlib.contextmanager
def fake_upstream(
    done_after: float, video: str, hold: bool = False, replay_speed: float = 1.0
) -> Iterator[str]:
    args = [
        sys.executable,
        "-m",
        "tests.fakes.serve_google_veo",
        "--seconds-until-done",
        str(done_after),
        "--video",
        video,
    ]
    process = subprocess.Popen(
        [
            *args,
            *(
                ["--hold", "--replay-on-release", "--replay-speed", str(replay_speed)]
                if hold
                else []
            ),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    try:
        yield process.stdout.readline().decode().strip()
    finally:
        process.terminate()
        process.wait(30)


def upstream_env(fake_url: str, jobs: int, code: Code | None = None) -> dict[str, str]:
    """The fake upstream, submit rate and per-key limits off. The previous design held one
    concurrency slot per job in flight, so it gets as many slots as jobs."""
    previous = {"VEOGATE_GOOGLE_CONCURRENCY": str(jobs)} if code and code.src else {}
    return previous | {
        "VEOGATE_GOOGLE_API_KEYS": json.dumps(["bench-key"]),
        "VEOGATE_GOOGLE_BASE_URL": fake_url,
        "VEOGATE_GOOGLE_REQUESTS_PER_MINUTE": "1000000",
        "VEOGATE_GOOGLE_MAX_IN_FLIGHT": str(max(jobs, 10_000)),
        "VEOGATE_RATE_LIMIT_PER_MINUTE": "0",
        "VEOGATE_MAX_ACTIVE_JOBS_PER_KEY": "0",
    }


@dataclass
class Stack:
    """A running veogate: where to send requests, which process to measure, its logs."""

    url: str
    key: str
    measured_pid: int
    logs: list[Path]
    database: str
    """`sqlite:<path>` or a PostgreSQL URL."""
    pids: dict[str, int] = field(default_factory=dict)

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        if self.database.startswith("sqlite:"):
            with contextlib.closing(sqlite3.connect(self.database[7:])) as db:
                return list(db.execute(query))
        return sql(self.database, query)


@contextlib.contextmanager
def veogate(code: Code, database: str, env: dict[str, str], root: Path) -> Iterator[Stack]:
    """`veogate serve` on SQLite, or `serve --no-worker` + one `worker` on PostgreSQL."""
    env = {**env, **code.env()}
    if database == "sqlite":
        server = ServerProcess(root / "serve", env=env)
        try:
            server.start()
            assert server.process is not None
            yield Stack(
                server.url,
                server.create_key("bench"),
                server.process.pid,
                [server.log_path],
                f"sqlite:{server.data_dir / 'veogate.sqlite'}",
                {"serve": server.process.pid},
            )
        finally:
            server.stop()
        return
    with fresh_database() as url:
        env = {**env, "VEOGATE_DATABASE_URL": url, "VEOGATE_SIGNING_SECRET": "b" * 48}
        api = ServerProcess(root / "api", env=env)
        key = api.create_key("bench")
        worker = WorkerProcess(root / "worker", "bench-worker", env)
        api.args = ["--no-worker"]
        try:
            worker.start()
            api.start()
            assert api.process is not None
            assert worker.process is not None
            pids = {"worker": worker.process.pid, "api": api.process.pid}
            yield Stack(
                api.url, key, worker.process.pid, [api.log_path, worker.log_path], url, pids
            )
        finally:
            api.stop()
            worker.stop()


def error_lines(stack: Stack) -> tuple[int, int]:
    """(ERROR lines, connection-pool exhaustion lines) in the stack's logs."""
    text = "\n".join(path.read_text(errors="replace") for path in stack.logs)
    errors = sum(1 for line in text.splitlines() if " ERROR " in line or "ERROR:" in line)
    return errors, text.count("QueuePool limit")


# ---------------------------------------------------------------------------- the api part


@dataclass
class Load:
    rate: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


@dataclass
class ApiFigures:
    name: str
    reads: Load
    creates: Load
    read_p99_while_creating_ms: float = 0.0
    """One client reading a status every 20 ms while the 32 clients create."""


def _load(
    url: str, key: str, method: str, path: str, body: dict[str, Any] | None, seconds: float
) -> Load:
    """`CLIENTS` concurrent clients for `seconds`: through wrk when installed (a C client never
    limits the figures), else the aiohttp closed loop. `{i}` in the body: a counter."""
    if shutil.which("wrk"):
        text = None if body is None else json.dumps(body)
        got = wrk_closed_loop(url, f"Bearer {key}", method, path, text, seconds=seconds)
        return Load(got.rate, got.p50_ms, got.p99_ms, got.non_2xx)

    def request(i: int) -> tuple[str, str, dict[str, Any] | None]:
        filled = None if body is None else json.loads(json.dumps(body).replace("{i}", str(i)))
        return method, path, filled

    headers = {"Authorization": f"Bearer {key}"}
    tally = asyncio.run(closed_loop(url, headers, request, concurrency=CLIENTS, seconds=seconds))
    bad = sum(n for status, n in tally.statuses.items() if status >= 300)
    return Load(tally.rate, tally.quantile(0.5), tally.quantile(0.99), bad)


def api_figures(name: str, url: str, key: str, seconds: float) -> ApiFigures:
    headers = {"Authorization": f"Bearer {key}"}
    first = httpx.post(
        f"{url}/v1/videos/generations", json=CREATE | {"prompt": "read me"}, headers=headers
    )
    task = first.json()["data"][0]["task_id"]
    reads = _load(url, key, "GET", f"/v1/tasks/{task}", None, seconds)
    create = CREATE | {"prompt": "api {i}"}
    stop, read_ms = threading.Event(), list[float]()

    def sample_reads() -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            while not stop.wait(0.02):
                sent = time.perf_counter()
                client.get(f"/v1/tasks/{task}")
                read_ms.append((time.perf_counter() - sent) * 1000)

    sampler = threading.Thread(target=sample_reads)
    sampler.start()
    try:
        creates = _load(url, key, "POST", "/v1/videos/generations", create, seconds)
    finally:
        stop.set()
        sampler.join()
    return ApiFigures(name, reads, creates, percentile(read_ms, 0.99))


@contextlib.contextmanager
def bare_asgi() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.bare_asgi:app",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            with contextlib.suppress(httpx.TransportError):
                httpx.get(f"{url}/v1/tasks/x", timeout=1)
                break
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def api_part(codes: list[Code], databases: list[str], seconds: float) -> None:
    results: list[ApiFigures] = []
    with bare_asgi() as url:
        results.append(api_figures("bare FastAPI route", url, "none", seconds))
    for database in databases:
        for code in codes:
            # Operations are held upstream, so every accepted job stays in flight.
            with (
                fake_upstream(600, "64x36x1", hold=True) as fake,
                tempfile.TemporaryDirectory(prefix="veogate-bench-") as root,
            ):
                env = upstream_env(fake, 1_000, code)
                with veogate(code, database, env, Path(root)) as stack:
                    figures = api_figures(code.name, stack.url, stack.key, seconds)
                    figures.name = f"{code.name}, {database}"
                    results.append(figures)
    client = "wrk" if shutil.which("wrk") else "aiohttp"
    print(f"\nAPI, {CLIENTS} concurrent clients ({client}), {seconds:.0f} s each, rate limits off")
    columns = ("reads/s", "p50 ms", "p99 ms", "creates/s", "p50 ms", "p99 ms")
    print(
        f"{'':<34}"
        + "".join(f"{c:>{11 if c == 'creates/s' else 9}}" for c in columns)
        + "  read p99 ms while creating"
    )
    for r in results:
        print(
            f"{r.name:<34}{r.reads.rate:>9.0f}{r.reads.p50_ms:>9.1f}{r.reads.p99_ms:>9.1f}"
            f"{r.creates.rate:>11.0f}{r.creates.p50_ms:>9.1f}{r.creates.p99_ms:>9.1f}"
            f"{r.read_p99_while_creating_ms:>9.1f}"
            f"{'' if not (r.reads.non_2xx + r.creates.non_2xx) else '  non-2xx!'}"
        )
    bare = results[0]
    for r in results[1:]:
        print(
            f"  {r.name}: reads {r.reads.rate / bare.reads.rate:.2f}x the bare route,"
            f" creates {r.creates.rate / bare.creates.rate:.2f}x"
        )
    by_name = {r.name: r for r in results}
    for r in results:
        if r.name.startswith("baseline"):
            ours = by_name.get(r.name.replace(r.name.split(",")[0], "this checkout"))
            if ours:
                print(
                    f"  this checkout vs {r.name}: reads {ours.reads.rate / r.reads.rate:.1f}x,"
                    f" creates {ours.creates.rate / r.creates.rate:.1f}x"
                )


# ---------------------------------------------------------------------------- the relay part


@dataclass
class RelayFigures:
    name: str
    jobs: int
    accept_rate: float = 0.0
    waiting_cpu: float | None = None
    waiting_window: float = 0.0
    waiting_rss_mb: float = 0.0
    peak_rss_mb: float = 0.0
    lateness: list[float] = field(default_factory=list)
    reads_ms: list[float] = field(default_factory=list)
    reads_by_phase: dict[str, list[float]] = field(default_factory=dict)
    """The same samples by what the run was doing: creating, submitting, waiting, collecting."""
    outcomes: Counter[str] = field(default_factory=Counter)
    submits: int = 0
    most_submits: int = 0
    errors: int = 0
    pool_exhaustion: int = 0
    seconds: float = 0.0


async def relay_run(
    name: str, stack: Stack, fake: str, jobs: int, patience: float, hold: float
) -> RelayFigures:
    figures = RelayFigures(name, jobs)
    headers = {"Authorization": f"Bearer {stack.key}"}
    created: list[str] = []
    started = time.monotonic()
    pid = stack.measured_pid
    phases: list[tuple[float, str]] = [(time.time(), "creating")]
    ids_file = Path(tempfile.mkstemp(prefix="veogate-ids-", suffix=".json")[1])

    def publish(ids: list[str]) -> None:
        """Hand the sampler the jobs to read (an atomic replace: it never reads half)."""
        fresh = ids_file.with_suffix(".new")
        fresh.write_text(json.dumps(ids))
        fresh.replace(ids_file)

    sampler = subprocess.Popen(  # noqa: ASYNC220 (started once; returns at once)
        [
            sys.executable,
            str(ROOT / "bench" / "status_sampler.py"),
            stack.url,
            stack.key,
            str(ids_file),
            str(patience + 600),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )

    def create(i: int) -> tuple[str, str, dict[str, Any]]:
        return ("POST", "/v1/videos/generations", CREATE | {"prompt": f"relay {i}"})

    creating = asyncio.create_task(
        closed_loop(stack.url, headers, create, total=jobs, keep_answers=True)
    )
    while not creating.done():  # let the sampler see jobs as they are created
        await asyncio.sleep(0.5)
        with contextlib.suppress(Exception):
            rows = stack.rows("SELECT id FROM jobs ORDER BY created_at DESC LIMIT 50")
            created[:] = [str(r[0]) for r in rows]
            publish(created)
    tally = creating.result()
    figures.accept_rate = tally.ok / tally.seconds
    created[:] = [a["data"][0]["task_id"] for a in tally.answers if a.get("code") == 200]
    publish(created)
    phases.append((time.time(), "submitting"))
    async with httpx.AsyncClient(base_url=fake, timeout=120) as upstream:

        async def upstream_state() -> dict[str, Any]:
            return (await upstream.get("/_fake/operations")).json()  # type: ignore[no-any-return]

        deadline = started + patience
        state = await upstream_state()
        while state["submits"] < len(created) and time.monotonic() < deadline:
            await asyncio.sleep(1)
            state = await upstream_state()
        if hold:
            # Every operation is submitted and held: let the pollers settle into their
            # schedule, measure, then let the upstream finish them.
            phases.append((time.time(), "waiting"))
            await asyncio.sleep(SETTLE_SECONDS)
            before = cpu_seconds(pid)
            await asyncio.sleep(hold)
            figures.waiting_cpu = (cpu_seconds(pid) - before) / hold * 100
            figures.waiting_window = hold
            figures.waiting_rss_mb = memory_mb(pid, "VmRSS")
            await upstream.post("/_fake/release")
            phases.append((time.time(), "collecting"))
        else:
            first_ready = min((op["ready"] for op in state["operations"]), default=time.time())
            window = first_ready - time.time() - 1
            if window >= 3:
                before = cpu_seconds(pid)
                await asyncio.sleep(window)
                figures.waiting_cpu = (cpu_seconds(pid) - before) / window * 100
                figures.waiting_window = window
        while time.monotonic() < deadline:
            live = stack.rows("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')")
            if live[0][0] == 0:
                break
            await asyncio.sleep(1)
        figures.seconds = time.monotonic() - started
        figures.peak_rss_mb = memory_mb(pid)
        state = await upstream_state()
    sampler.terminate()
    output, _ = sampler.communicate(timeout=30)
    ids_file.unlink(missing_ok=True)  # noqa: ASYNC240 (a small local file, at the end)
    starts = [at for at, _ in phases]
    for line in output.splitlines():
        at, took = (float(part) for part in line.split())
        phase = phases[max(0, bisect.bisect_right(starts, at) - 1)][1]
        figures.reads_ms.append(took)
        figures.reads_by_phase.setdefault(phase, []).append(took)
    ready = {op["name"]: op["ready"] for op in state["operations"]}
    figures.submits = state["submits"]
    figures.most_submits = max(Counter(op["prompt"] for op in state["operations"]).values())
    for status, error, finished, operation in stack.rows(
        "SELECT status, error_code, finished_at, upstream_operation FROM jobs"
    ):
        figures.outcomes[f"{status}{'/' + error if error else ''}"] += 1
        if status == "succeeded" and operation in ready and finished is not None:
            done = finished if isinstance(finished, datetime) else datetime.fromisoformat(finished)
            figures.lateness.append(done.timestamp() - ready[operation])
    figures.errors, figures.pool_exhaustion = error_lines(stack)
    return figures


def relay_part(
    codes: list[tuple[Code, int]],
    databases: list[str],
    done_after: float,
    video: str,
    timeout: float,
    hold: float,
    replay_speed: float,
) -> None:
    results: list[RelayFigures] = []
    for database in databases:
        for code, jobs in codes:
            name = f"{code.name}, {database}"
            print(f"relay: {name}, {jobs} jobs ...", flush=True)
            with (
                fake_upstream(0 if hold else done_after, video, bool(hold), replay_speed) as fake,
                tempfile.TemporaryDirectory(prefix="veogate-bench-") as root,
                veogate(code, database, upstream_env(fake, jobs, code), Path(root)) as stack,
            ):
                figures = asyncio.run(relay_run(name, stack, fake, jobs, timeout, hold))
                print(report(figures), flush=True)
                results.append(figures)
    if hold:
        print(
            f"\nRelay load: every operation held upstream until all were submitted, then done"
            f" in the order and {replay_speed:g}x the pace they were submitted; samples {video}"
        )
    else:
        print(f"\nRelay load: operations done {done_after:.0f} s after submit, samples {video}")
    for r in results:
        print(report(r))


def report(r: RelayFigures) -> str:
    late = r.lateness
    cpu = f"{r.waiting_cpu:.1f} % ({r.waiting_window:.0f} s)" if r.waiting_cpu else "n/a"
    by_phase = "  ".join(
        f"{name} {percentile(ms, 0.99):.0f}" for name, ms in r.reads_by_phase.items()
    )
    return (
        f"{r.name}: {r.jobs} jobs in {r.seconds:.0f} s\n"
        f"  accept rate       {r.accept_rate:.0f} creates/s\n"
        f"  CPU while waiting {cpu} of one core, RSS then {r.waiting_rss_mb:.0f} MB\n"
        f"  peak RSS          {r.peak_rss_mb:.0f} MB\n"
        f"  lateness s        p50 {percentile(late, 0.5):.1f}  p99 {percentile(late, 0.99):.1f}"
        f"  max {max(late, default=float('nan')):.1f}\n"
        f"  status reads ms   p50 {percentile(r.reads_ms, 0.5):.1f}"
        f"  p99 {percentile(r.reads_ms, 0.99):.1f}  max {max(r.reads_ms, default=0):.0f}"
        f"  ({len(r.reads_ms)} sampled)\n"
        f"    by phase, p99   {by_phase}\n"
        f"  outcomes          {dict(r.outcomes)}\n"
        f"  upstream submits  {r.submits} ({r.submits / r.jobs:.3f} per job,"
        f" at most {r.most_submits} for one job)\n"
        f"  log               {r.errors} ERROR lines, {r.pool_exhaustion} pool exhaustion"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["api", "relay", "all"], default="all")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--baseline-ref", default="bb37a6b", help="'' for no baseline")
    parser.add_argument("--baseline-jobs", type=int, default=300)
    parser.add_argument(
        "--done-after", type=float, default=180.0, help="longer than creating all the jobs takes"
    )
    parser.add_argument(
        "--video", default="320x180x4", help="WIDTHxHEIGHTxSECONDS of samples (1.1 MB each)"
    )
    parser.add_argument(
        "--hold",
        type=float,
        default=60.0,
        help="hold every operation until all are submitted, measure CPU over this many"
        " seconds of only waiting, then release (0: operations done --done-after s after"
        " submit instead)",
    )
    parser.add_argument(
        "--replay-speed",
        type=float,
        default=1.0,
        help="after the hold, operations are done in submit order at this multiple of the"
        " pace they were submitted (1: the issue's protocol, each done a fixed time after its"
        " submit; 4: a wave that outruns collection on 2 cores)",
    )
    parser.add_argument("--api-seconds", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()
    databases = args.databases.split(",")
    with baseline_code(args.baseline_ref) as baseline:
        current = Code("this checkout")
        if args.part in ("api", "all"):
            api_part([current, *([baseline] if baseline else [])], databases, args.api_seconds)
        if args.part in ("relay", "all"):
            codes = [(current, args.jobs)]
            if baseline:
                codes.append((baseline, min(args.jobs, args.baseline_jobs)))
            relay_part(
                codes,
                databases,
                args.done_after,
                args.video,
                args.timeout,
                args.hold,
                args.replay_speed,
            )


if __name__ == "__main__":
    main()
