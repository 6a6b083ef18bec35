"""Many jobs: every event is delivered exactly once to a healthy receiver, in order per job,
with one worker on SQLite and with two workers sharing one PostgreSQL database; events
without receivers are cleared in bulk."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from tests.delivery.conftest import MakeNode, Node
from tests.support.receivers import Received, WebhookReceiver
from veogate.db.tables import JobEventRow
from veogate.delivery.fanout import BATCH, fan_out_batch
from veogate.delivery.repository import DeliveryState
from veogate.jobs.lifecycle import event_seq
from veogate.jobs.model import JobStatus

EVENTS_PER_JOB = 3  # queued, started, and the end


def _assert_once_in_order(requests: list[Received], jobs: int, per_job: int) -> None:
    counts = Counter(r.webhook_id for r in requests)
    assert [i for i, n in counts.items() if n > 1] == []
    assert len(counts) == jobs * per_job
    by_job: dict[str, list[int]] = {}
    for request in requests:
        seq = event_seq(request.webhook_id)
        assert seq is not None
        by_job.setdefault(request.json()["data"]["id"], []).append(seq)
    assert len(by_job) == jobs
    for seqs in by_job.values():
        assert seqs == sorted(seqs)
        assert len(seqs) == per_job


async def _run(node: Node, key: str, jobs: int) -> list[str]:
    made = await node.jobs(key, jobs)
    ids = [j.id for j in made]
    half = len(ids) // 2
    await node.finish(ids[:half])
    await node.finish(ids[half:], JobStatus.FAILED)
    return ids


async def test_a_thousand_jobs_each_event_delivered_once_in_order(
    make_node: MakeNode, sqlite_url: str
) -> None:
    node = await make_node(sqlite_url)
    jobs = 1000
    with WebhookReceiver() as ends, WebhookReceiver() as everything:
        key = await node.key()
        await node.endpoint(key, ends.url())
        await node.endpoint(key, everything.url(), ["all"])
        began = time.monotonic()
        await _run(node, key, jobs)
        got_ends = await ends.arrival(jobs, timeout=60)
        got_all = await everything.arrival(jobs * EVENTS_PER_JOB, timeout=60)
        took = time.monotonic() - began
        await node.deliveries_until(
            lambda d: (
                len(d) == jobs * (1 + EVENTS_PER_JOB)
                and {x.state for x in d} == {DeliveryState.DELIVERED}
            ),
            timeout=30,
        )
    _assert_once_in_order(got_ends, jobs, 1)
    _assert_once_in_order(got_all, jobs, EVENTS_PER_JOB)
    assert {r.json()["type"] for r in got_ends} == {"job.succeeded", "job.failed"}
    assert took < 60


async def test_two_workers_on_postgresql_share_the_work_exactly_once(
    make_node: MakeNode, postgres_url: str
) -> None:
    first = await make_node(postgres_url)
    second = await make_node(postgres_url)
    jobs = 400
    with WebhookReceiver() as receiver:
        key = await first.key()
        await first.endpoint(key, receiver.url(), ["all"])
        await _run(first, key, jobs)
        got = await receiver.arrival(jobs * EVENTS_PER_JOB, timeout=60)
        await first.deliveries_until(
            lambda d: (
                len(d) == jobs * EVENTS_PER_JOB
                and {x.state for x in d} == {DeliveryState.DELIVERED}
            ),
            timeout=30,
        )
    _assert_once_in_order(got, jobs, EVENTS_PER_JOB)
    assert len(receiver.requests()) == jobs * EVENTS_PER_JOB
    sent = [first.webhooks.sender.attempted, second.webhooks.sender.attempted]
    assert sum(sent) == jobs * EVENTS_PER_JOB
    assert min(sent) > 0, sent  # both claimed some: SKIP LOCKED, not one waiting on the other


@pytest.mark.parametrize("database", ["sqlite_url", "postgres_url"])
async def test_events_without_receivers_are_cleared_in_bulk(
    make_node: MakeNode, request: pytest.FixtureRequest, database: str
) -> None:
    node = await make_node(request.getfixturevalue(database), start=False)
    key = await node.key()
    jobs = [j.id for j in await node.jobs(key, 2000)]  # one job.queued event each
    now = datetime.now(UTC)
    progress = [
        {
            "job_id": job_id,
            "kind": "job.progress",
            "detail": {"progress": step * 10},
            "at": now,
            "owner_key_id": key,
            "fanout": True,
        }
        for job_id in jobs
        for step in range(1, 10)
    ]
    await node.db(lambda s: s.execute(insert(JobEventRow), progress))

    batches = 0
    began = time.monotonic()
    while (await node.db(fan_out_batch))[0]:
        batches += 1
    took = time.monotonic() - began

    assert batches == 20_000 // BATCH
    assert await node.deliveries() == []
    assert took < 10, f"{took:.1f}s to clear 20,000 events"
