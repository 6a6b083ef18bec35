"""CPU per request in-process: a status read and a create, through the ASGI app without a
socket (no HTTP parsing, no client), for this checkout and a baseline commit in the same run.

Each measurement runs in a child process of its own (the code under test is chosen by
PYTHONPATH), on a fresh data directory (and a fresh PostgreSQL database for `postgres`):
`veogate`'s app with its worker, the embedded preview provider, rate limits off. A status
read is apimart's `GET /v1/tasks/{id}` of a completed job; a create is apimart's
`POST /v1/videos/generations` (the worker renders the previews meanwhile, on threads at
lower priority, as in production).

    .venv/bin/python bench/bench_request_cpu.py
    .venv/bin/python bench/bench_request_cpu.py --databases sqlite --reads 5000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.support.cluster import fresh_database  # noqa: E402

from bench_relay_load import Code, baseline_code  # noqa: E402

BODY = {"model": "veo3.1-fast-official", "prompt": "a lighthouse at dusk"}


async def _call(app: Any, method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    answer: dict[str, Any] = {"body": b""}
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    assert answer["status"] == 200, answer
    return json.loads(answer["body"])


async def _measure(reads: int, creates: int) -> dict[str, float]:
    """Runs in the child: the figures of the code on its PYTHONPATH."""
    from veogate.api.app import create_app
    from veogate.config import Settings

    data_dir = Path(os.environ["VEOGATE_DATA_DIR"])
    app = create_app(Settings())
    async with app.router.lifespan_context(app):
        key = (data_dir / "bootstrap-key").read_text().strip()
        headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
        body = json.dumps(BODY).encode()
        created = await _call(app, "POST", "/v1/videos/generations", headers, body)
        task = created["data"][0]["task_id"]
        for _ in range(600):  # the preview renders in a few seconds
            status = await _call(app, "GET", f"/v1/tasks/{task}", headers, b"")
            if status["data"]["status"] == "completed":
                break
            await asyncio.sleep(0.05)
        else:
            raise RuntimeError("the job did not complete")
        figures = {}
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(reads):
            await _call(app, "GET", f"/v1/tasks/{task}", headers, b"")
        figures["read_cpu_us"] = (time.process_time() - cpu) / reads * 1e6
        figures["read_wall_us"] = (time.perf_counter() - wall) / reads * 1e6
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(creates):
            await _call(app, "POST", "/v1/videos/generations", headers, body)
        figures["create_wall_us"] = (time.perf_counter() - wall) / creates * 1e6
        figures["create_cpu_us"] = (time.process_time() - cpu) / creates * 1e6
    return figures


def _child(code: Code, database: str, reads: int, creates: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="veogate-cpu-") as root:
        env = {
            **os.environ,
            **code.env(),
            "VEOGATE_DATA_DIR": root,
            "VEOGATE_RATE_LIMIT_PER_MINUTE": "0",
            "VEOGATE_MAX_ACTIVE_JOBS_PER_KEY": "0",
            "VEOGATE_QUEUE_POLL_SECONDS": "0.1",
        }
        if database != "sqlite":
            env["VEOGATE_DATABASE_URL"] = database
        argv = [sys.executable, __file__, "--child", str(reads), str(creates)]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{code.name} on {database}: {done.stderr[-2000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        import uvloop

        print(json.dumps(uvloop.run(_measure(int(sys.argv[2]), int(sys.argv[3])))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--baseline-ref", default="da6e31c", help="'' for no baseline")
    parser.add_argument("--reads", type=int, default=3000)
    parser.add_argument("--creates", type=int, default=1000)
    args = parser.parse_args()
    print(
        f"{'µs per request (in-process)':40} {'read cpu':>9} {'read wall':>10}"
        f" {'create cpu':>11} {'create wall':>12}"
    )
    with baseline_code(args.baseline_ref) as baseline:
        codes = [Code("this checkout"), *([baseline] if baseline else [])]
        for database in args.databases.split(","):
            for code in codes:
                if database == "sqlite":
                    figures = _child(code, "sqlite", args.reads, args.creates)
                else:
                    with fresh_database() as url:
                        figures = _child(code, url, args.reads, args.creates)
                print(
                    f"{code.name + ', ' + database:40} {figures['read_cpu_us']:9.0f}"
                    f" {figures['read_wall_us']:10.0f} {figures['create_cpu_us']:11.0f}"
                    f" {figures['create_wall_us']:12.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
