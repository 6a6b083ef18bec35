"""`GET /metrics` and JSON logs of a real `veogate serve` (embedded: SQLite, preview renderer),
after a handful of jobs: some succeed, one is cancelled, one create is refused. Every counter
must equal what the jobs table says, read straight from the SQLite file."""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.metrics import scrape, totals
from tests.support.server import ServerProcess

TOKEN = "scrape-me"
APIMART = {"model": "veo3.1-fast-official", "prompt": "a lighthouse", "duration": 4}
KYY = {"model": "veo_3_1_fast", "prompt": "a harbour"}


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server with JSON logs and a scrape token, after its jobs have all ended."""
    server = ServerProcess(
        tmp_path_factory.mktemp("metrics"),
        env={
            "VEOGATE_LOG_FORMAT": "json",
            "VEOGATE_METRICS_TOKEN": TOKEN,
            "VEOGATE_RENDER_CONCURRENCY": "2",
        },
    )
    server.start()
    try:
        client = server.client()
        for n in range(3):
            created = client.post("/v1/videos/generations", json=APIMART | {"seed": n})
            assert created.status_code == 200, created.text
        assert client.post("/v1/veo/videos", json=KYY).status_code == 200
        doomed = client.post("/v1/veo/videos", json=KYY | {"prompt": "never mind"}).json()
        assert client.post(f"/v1/veo/videos/{doomed['id']}/cancel").status_code == 200
        refused = client.post("/v1/videos/generations", json=APIMART | {"model": "nope"})
        assert refused.status_code == 400
        _wait_until_all_ended(server.data_dir / "veogate.sqlite")
        yield server
    finally:
        server.stop()


def _wait_until_all_ended(database: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _rows(database, "SELECT id FROM jobs WHERE status IN ('queued', 'running')"):
            return
        time.sleep(0.2)
    raise AssertionError("jobs did not end in time")


def _rows(database: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as db:
        return db.execute(query).fetchall()


def _counted(database: Path, query: str) -> Counter[tuple[str, ...]]:
    """A `SELECT labels..., count(*) ... GROUP BY` as a Counter keyed by the labels."""
    return Counter({tuple(map(str, row[:-1])): int(row[-1]) for row in _rows(database, query)})


def test_counters_equal_the_jobs_table(ran: ServerProcess) -> None:
    database = ran.data_dir / "veogate.sqlite"
    samples = scrape(ran.url, TOKEN)

    accepted = _counted(
        database,
        "SELECT dialect, public_model, provider, count(*) FROM jobs "
        "GROUP BY dialect, public_model, provider",
    )
    assert sum(accepted.values()) == 5
    assert totals(samples, "veogate_jobs_accepted_total", "dialect", "model", "provider") == (
        accepted
    )
    finished = _counted(
        database,
        "SELECT status, public_model, provider, count(*) FROM jobs "
        "GROUP BY status, public_model, provider",
    )
    assert {status for status, _, _ in finished} == {"succeeded", "cancelled"}
    by_status = totals(samples, "veogate_jobs_finished_total", "status", "model", "provider")
    assert by_status == finished
    ended = _counted(database, "SELECT status, provider, count(*) FROM jobs GROUP BY 1, 2")
    durations = totals(samples, "veogate_job_duration_seconds_count", "status", "provider")
    assert durations == ended
    started = _rows(database, "SELECT count(*) FROM jobs WHERE started_at IS NOT NULL")[0][0]
    assert sum(totals(samples, "veogate_queue_wait_seconds_count").values()) == started
    assert sum(totals(samples, "veogate_jobs_started_total").values()) == started
    assert totals(samples, "veogate_accept_seconds_count", "dialect") == Counter(
        {("apimart",): 3, ("kyy",): 2}
    )
    assert totals(samples, "veogate_creates_refused_total", "code") == {("invalid_model",): 1}


def test_ledger_figures_equal_the_ledger(ran: ServerProcess) -> None:
    database = ran.data_dir / "veogate.sqlite"
    samples = scrape(ran.url, TOKEN)

    entries = _counted(database, "SELECT kind, count(*) FROM ledger_entries GROUP BY kind")
    assert entries[("reserve",)] == 5  # one per accepted job
    assert entries[("settle",)] + entries[("release",)] == 5  # each closed once
    assert totals(samples, "veogate_ledger_entries_total", "kind") == entries
    moved = {
        (kind, "in" if total >= 0 else "out"): abs(total) / 1e6
        for kind, total in _rows(
            database, "SELECT kind, sum(amount) FROM ledger_entries GROUP BY kind"
        )
        if total  # a settle of a job that used all it reserved moves nothing
    }
    credits = {
        (labels["kind"], labels["direction"]): value
        for name, labels, value in samples
        if name == "veogate_ledger_credits_total" and value
    }
    assert credits == pytest.approx(moved)
    balance = _rows(database, "SELECT sum(balance) FROM api_keys WHERE NOT metered")[0][0]
    assert ("veogate_ledger_balance_credits", {"metered": "false"}, balance / 1e6) in samples
    assert ("veogate_ledger_reserved_credits", {}, 0.0) in samples  # every job ended


def test_state_gauges_are_read_from_the_database(ran: ServerProcess) -> None:
    samples = scrape(ran.url, TOKEN)
    names = {name for name, _, _ in samples}
    assert not totals(samples, "veogate_jobs"), "no job is queued or running any more"
    assert ("veogate_jobs_undispatched", {}, 0.0) in samples
    assert ("veogate_oldest_queued_job_age_seconds", {}, 0.0) in samples
    assert ("veogate_webhook_deliveries_pending", {}, 0.0) in samples
    (age,) = [v for n, _, v in samples if n == "veogate_worker_heartbeat_age_seconds"]
    assert 0 <= age < 30  # the embedded worker beats every 5 s
    assert "process_resident_memory_bytes" in names  # a single process: its own figures


def test_a_scrape_without_the_token_is_refused(ran: ServerProcess) -> None:
    assert httpx.get(f"{ran.url}/metrics").status_code == 401
    wrong = httpx.get(f"{ran.url}/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Bearer")
    other_method = httpx.post(f"{ran.url}/metrics")
    assert other_method.status_code == 405  # still answered like any unknown method


def test_json_logs_name_the_job_of_every_line_about_one(ran: ServerProcess) -> None:
    lines = [line for line in ran.log_path.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= record.keys() for record in records)
    job_ids = [str(r[0]) for r in _rows(ran.data_dir / "veogate.sqlite", "SELECT id FROM jobs")]
    about = Counter(record.get("job_id") for record in records)
    for job_id in job_ids:
        assert about[job_id] >= 2, f"accepted and ended lines of {job_id}"
    for record in records:
        named = [job_id for job_id in job_ids if job_id in record["message"]]
        if named and record["logger"] != "uvicorn.access":  # written after the request
            assert record.get("job_id") == named[0], record
