"""Reads a random job's status every 100 ms and prints `<unix time> <milliseconds>` per read.

Run by `bench_relay_load.py` as a process of its own: sampled from the process that also
drives 32 creating clients, a read's time included that process's own queue (its event loop
busy with the creates' answers), not only the server's.

    python bench/status_sampler.py URL KEY IDS_FILE SECONDS

IDS_FILE holds a JSON list of job ids, rewritten by the caller as jobs are created.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

import httpx

INTERVAL_SECONDS = 0.1


def main() -> None:
    url, key, ids_file, seconds = sys.argv[1], sys.argv[2], Path(sys.argv[3]), float(sys.argv[4])
    ids: list[str] = []
    seen = 0.0
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        while time.monotonic() < deadline:
            try:
                changed = ids_file.stat().st_mtime
                if changed != seen:
                    ids, seen = json.loads(ids_file.read_text()), changed
            except (OSError, ValueError):
                pass  # not written yet, or being replaced
            if ids:
                sent = time.perf_counter()
                client.get(f"/v1/tasks/{random.choice(ids)}")
                took = (time.perf_counter() - sent) * 1000
                print(f"{time.time():.3f} {took:.2f}", flush=True)
            time.sleep(INTERVAL_SECONDS)


if __name__ == "__main__":
    main()
