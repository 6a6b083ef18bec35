"""The event hub on real databases: routing, slow subscribers, PostgreSQL's out-of-order
commits and a dropped LISTEN connection. Events are written by `JobRepository`, as in
production; the hub is the real one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.support.cluster import PG_ADMIN, sql
from tests.support.databases import (
    database_url_fixture,
    new_caller,
    sessions_fixture,
    submit_job,
    submit_job_in,
)
from veogate.db.transactions import scoped, transact
from veogate.delivery.events import Event
from veogate.delivery.hub import MISSING_SECONDS, EventHub, Horizon, Subscription
from veogate.delivery.listen import APPLICATION_NAME
from veogate.jobs.lifecycle import EventType
from veogate.jobs.model import Job
from veogate.jobs.repository import JobRepository

database_url = database_url_fixture()


sessions = sessions_fixture()


@pytest.fixture
async def hub(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[EventHub]:
    events = EventHub(sessions, database_url, poll_seconds=0.05, fallback_seconds=30.0)
    await events.start()
    yield events
    await events.stop()


async def _start(sessions: async_sessionmaker[AsyncSession], job: Job) -> None:
    now = datetime.now(UTC)
    assert await transact(sessions, lambda s: JobRepository(s).start(job.id, now), what="start")


async def _heard(sub: Subscription, count: int, seconds: float = 5.0) -> list[Event]:
    """The next `count` events the subscriber hears (fails after `seconds`)."""
    heard: list[Event] = []
    deadline = time.monotonic() + seconds
    while len(heard) < count:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"heard {len(heard)} of {count} events: {heard}"
        await sub.wait(remaining)
        events, lagged = sub.take()
        assert not lagged
        heard.extend(events)
    return heard


async def test_events_reach_the_subscribers_of_their_job_and_of_their_owner(
    sessions: async_sessionmaker[AsyncSession], hub: EventHub
) -> None:
    alice, bob = await new_caller(sessions, "alice"), await new_caller(sessions, "bob")
    with (
        hub.subscription(alice.key_id) as alices,
        hub.subscription(bob.key_id) as bobs,
    ):
        first = await submit_job(sessions, alice)
        heard = await _heard(alices, 1)
        with hub.subscription(alice.key_id, first.id) as firsts:
            second = await submit_job(sessions, alice)
            theirs = await submit_job(sessions, bob)
            await _start(sessions, first)

            heard += await _heard(alices, 2)
            assert [(e.job_id, e.type) for e in heard] == [
                (first.id, EventType.QUEUED),
                (second.id, EventType.QUEUED),
                (first.id, EventType.STARTED),
            ]
            assert [e.type for e in await _heard(firsts, 1)] == [EventType.STARTED]
            assert [e.job_id for e in await _heard(bobs, 1)] == [theirs.id]
            assert [e.seq for e in heard] == sorted(e.seq for e in heard)
            await asyncio.sleep(0.3)  # nothing else arrives
            assert alices.take() == ([], False)
            assert firsts.take() == ([], False)
    assert hub.streams_of(alice.key_id) == 0


async def test_a_slow_subscriber_is_marked_lagging_and_holds_nobody_up(
    sessions: async_sessionmaker[AsyncSession], hub: EventHub
) -> None:
    caller = await new_caller(sessions, "busy")
    with (
        hub.subscription(caller.key_id) as keeping_up,
        hub.subscription(caller.key_id, stream=True) as counted,
    ):
        slow = hub.subscribe(caller.key_id, queue_size=2)
        for _ in range(5):
            await submit_job(sessions, caller)
        assert len(await _heard(keeping_up, 5)) == 5
        assert len(await _heard(counted, 5)) == 5
        assert hub.streams_of(caller.key_id) == 1
        # The slow one kept nothing it could not hold, and knows it must catch up itself.
        assert slow.take() == ([], True)
        job = await submit_job(sessions, caller)
        assert [e.job_id for e in await _heard(slow, 1)] == [job.id]
        hub.unsubscribe(slow)


async def test_closing_ends_every_subscriber_now_and_later(
    sessions: async_sessionmaker[AsyncSession], hub: EventHub
) -> None:
    caller = await new_caller(sessions, "closing")
    sub = hub.subscribe(caller.key_id, stream=True)
    waiting = asyncio.create_task(sub.wait(30))
    hub.close_streams()
    await asyncio.wait_for(waiting, 1)
    assert sub.closed
    assert hub.subscribe(caller.key_id).closed


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_an_event_whose_id_commits_after_a_higher_one_is_delivered(
    sessions: async_sessionmaker[AsyncSession], hub: EventHub
) -> None:
    caller = await new_caller(sessions, "race")
    with hub.subscription(caller.key_id) as sub:
        async with scoped(sessions) as early, scoped(sessions) as late:
            slower = await submit_job_in(early, caller)  # takes the lower event id...
            faster = await submit_job_in(late, caller)
            await late.commit()  # ...but the higher one commits first
            (first,) = await _heard(sub, 1)
            assert first.job_id == faster.id
            await asyncio.sleep(0.3)  # the hub has read past the gap meanwhile
            await early.commit()
            (second,) = await _heard(sub, 1)
    assert second.job_id == slower.id
    assert second.seq < first.seq


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_dropped_listen_connection_loses_nothing(
    database_url: str, sessions: async_sessionmaker[AsyncSession], database_url_name: str
) -> None:
    # The table is read only every 30 s besides notifications, so an event heard within a
    # few seconds was heard through a LISTEN connection set up again.
    hub = EventHub(sessions, database_url, poll_seconds=30.0, fallback_seconds=30.0)
    await hub.start()
    try:
        caller = await new_caller(sessions, "dropped")
        with hub.subscription(caller.key_id) as sub:
            await submit_job(sessions, caller)
            assert len(await _heard(sub, 1)) == 1
            dropped = sql(
                PG_ADMIN,
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND application_name = %s",
                (database_url_name, APPLICATION_NAME),
            )
            assert dropped == [(True,)]
            await submit_job(sessions, caller)  # written while nobody listens
            await submit_job(sessions, caller)
            assert len(await _heard(sub, 2, seconds=10)) == 2
    finally:
        await hub.stop()


@pytest.fixture
def database_url_name(database_url: str) -> str:
    return database_url.rsplit("/", 1)[1]


def test_the_horizon_looks_for_skipped_ids_until_they_appear_or_time_runs_out() -> None:
    horizon = Horizon(top=10)
    horizon.advance([11, 14, 15], now=0.0)
    assert (horizon.top, sorted(horizon.missing)) == (15, [12, 13])
    horizon.advance([13, 16], now=1.0)  # 13 committed late
    assert (horizon.top, sorted(horizon.missing)) == (16, [12])
    horizon.advance([], now=MISSING_SECONDS + 0.1)  # 12 was rolled back: given up
    assert horizon.missing == {}
    horizon.advance([12], now=MISSING_SECONDS + 0.2)  # seen anyway: nothing changes
    assert (horizon.top, horizon.missing) == (16, {})
