"""kill -9 at random points while 200 paid jobs are accepted and run against a fake Google
upstream (some filtered, some failed): afterwards every ended job's reservation was settled
or released exactly once, charged what it delivered, and every balance is the sum of its
entries."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.google_veo import FakeVeo
from tests.fakes.google_veo_script import VeoScript
from tests.support.cluster import google_env
from tests.support.credits import LEDGER_PROBLEMS, PRICES
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

JOBS = 200
KILLS = 4
BODY = {
    "model": "veo3.1-fast-official",
    "duration": 4,
    "resolution": "720p",
    "generate_audio": False,
    "sample_count": 2,
}
UNIT = 250_000  # micro-credits per second at PRICES (720p, no audio)
SCRIPTS = {
    "filter-one": VeoScript(seconds_until_done=0.5, filtered=1),
    "filter-all": VeoScript(seconds_until_done=0.5, filtered=2),
    "fail": VeoScript(seconds_until_done=0.5, operation_error=(13, "the model failed")),
}


def outcome_of(i: int) -> str:
    return ("ok", "ok", "ok", "filter-one", "filter-all", "fail")[i % 6]


@pytest.fixture
def fake() -> Iterator[FakeVeo]:
    veo = FakeVeo().start()
    veo.script = VeoScript(seconds_until_done=0.5)
    veo.script_for = lambda prompt: SCRIPTS.get(prompt.split()[0])
    yield veo
    veo.stop()


def submit_all(server: ServerProcess, secret: str, done: threading.Event) -> None:
    """Every job, each retried under its Idempotency-Key until the server answers it."""
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        for i in range(JOBS):
            body = {**BODY, "prompt": f"{outcome_of(i)} job {i}"}
            for _ in range(600):  # bounded: a minute of restarts at most
                try:
                    answer = client.post(
                        "/v1/videos/generations", json=body, headers={"Idempotency-Key": f"j{i}"}
                    )
                    if answer.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            else:
                raise AssertionError(f"job {i} was never accepted")
    done.set()


def live_jobs(db_path: Path) -> int:
    with sqlite3.connect(db_path) as db:
        return int(
            db.execute(
                "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
            ).fetchone()[0]
        )


def test_kill_9_never_double_charges_or_loses_a_reservation(
    fresh_server: ServerProcess, fake: FakeVeo
) -> None:
    fresh_server.env.update(
        google_env(fake)
        | {
            "VEOGATE_PRICES": PRICES,
            "VEOGATE_RATE_LIMIT_PER_MINUTE": "0",
            "VEOGATE_MAX_ACTIVE_JOBS_PER_KEY": "0",
        }
    )
    fresh_server.start()
    secret = fresh_server.create_key("crashy", credits="1000")
    key_id = fresh_server.key_id(secret)
    submitted = threading.Event()
    creator = threading.Thread(target=submit_all, args=(fresh_server, secret, submitted))
    creator.start()
    chance = random.Random(1234)
    for _ in range(KILLS):  # while accepting, submitting upstream, polling, downloading
        time.sleep(chance.uniform(0.5, 4.0))
        fresh_server.kill()
        fresh_server.start()
    creator.join(timeout=300)
    assert submitted.is_set()
    database = fresh_server.data_dir / "veogate.sqlite"
    deadline = time.monotonic() + 240
    while live_jobs(database) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert live_jobs(database) == 0

    with sqlite3.connect(database) as db:
        assert db.execute(LEDGER_PROBLEMS).fetchall() == []
        jobs = db.execute(
            "SELECT j.spec, j.status, j.cost, c.kind, c.detail FROM jobs j"
            " JOIN ledger_entries c ON c.job_id = j.id AND c.kind IN ('settle', 'release')"
        ).fetchall()
        balance = db.execute("SELECT balance FROM api_keys WHERE id = ?", (key_id,)).fetchone()
    assert len(jobs) == JOBS  # one job per request, each closed once
    charged = 0
    for spec, status, cost, kind, detail in jobs:
        expected = {"ok": 2, "filter-one": 1}.get(
            outcome_of(int(spec.split("job ")[1].split('"')[0])), 0
        )
        if status == "succeeded":
            assert (kind, round(cost * 1_000_000)) == ("settle", expected * UNIT), (spec, detail)
        else:
            assert kind == "release", (status, spec, detail)
            assert expected == 0 or status == "failed", (status, spec)
        charged += round(cost * 1_000_000)
    assert balance == (1000 * 1_000_000 - charged,)
    prompts = [r.json["instances"][0]["prompt"] for r in fake.received("submit")]
    assert len(prompts) == len(set(prompts)), "a job was submitted upstream twice"
