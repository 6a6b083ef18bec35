"""The API comes first in `serve`: the loop's pressure is measured, dispatching waits on it
(up to a bound), creates are admitted a few at a time, and WAL checkpoints leave the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.databases import new_caller, submit_job
from veogate.config import Settings
from veogate.db.checkpoints import CHECKPOINT_SECONDS, WalCheckpointer
from veogate.db.migrate import upgrade
from veogate.pipeline.dispatch import BatchEnqueuer, Dispatcher
from veogate.pipeline.pressure import SAMPLE_SECONDS, SAMPLES, LoopPressure
from veogate.pipeline.runtime import migrate_system_database
from veogate.wiring import Services, build_services

pytestmark = pytest.mark.asyncio


async def _hog(seconds: float, block: float = 0.03) -> None:
    """Keep the loop saturated: callbacks that each hold it for `block` seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(block)  # a request's worth of work on the loop, on purpose
        await asyncio.sleep(0)


async def test_pressure_is_read_from_a_saturated_loop_and_not_from_one_long_callback() -> None:
    pressure = LoopPressure()
    pressure.start()
    try:
        await asyncio.sleep(SAMPLE_SECONDS * (SAMPLES + 2))
        assert not pressure.busy  # idle
        time.sleep(0.2)  # one long callback: one late sample of five
        await asyncio.sleep(SAMPLE_SECONDS * 2.5)
        assert not pressure.busy
        await _hog(SAMPLE_SECONDS * (SAMPLES + 3))
        assert pressure.busy
        await asyncio.sleep(SAMPLE_SECONDS * (SAMPLES + 3))
        assert not pressure.busy  # it passes
    finally:
        await pressure.stop()


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(data_dir=tmp_path, dispatch_max_defer_seconds=1.5)
    upgrade(settings.resolved_database_url)
    migrate_system_database(settings)
    built = build_services(settings)
    yield built
    await built.close()


def _dispatched(services: Services, job_id: str) -> bool:
    with sqlite3.connect(services.settings.data_dir / "veogate.sqlite") as db:
        (stamp,) = db.execute("SELECT dispatched_at FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return stamp is not None


async def test_dispatching_waits_while_the_loop_is_saturated_but_not_past_its_bound(
    services: Services,
) -> None:
    caller = await new_caller(services.sessions, "first")
    pressure = LoopPressure()
    pressure.start()
    enqueuer = await asyncio.to_thread(
        BatchEnqueuer, services.settings.resolved_system_database_url
    )
    dispatcher = Dispatcher(services, enqueuer, pressure)
    running = asyncio.create_task(dispatcher.run())
    try:
        calm = await submit_job(services.sessions, caller)
        dispatcher.wake()
        await asyncio.sleep(0.3)
        assert _dispatched(services, calm.id)  # a calm loop: at once

        hog = asyncio.create_task(_hog(4.0))
        await asyncio.sleep(SAMPLE_SECONDS * (SAMPLES + 2))
        assert pressure.busy
        flooded = await submit_job(services.sessions, caller)
        dispatcher.wake()
        accepted = time.monotonic()
        await asyncio.sleep(0.6)
        assert not _dispatched(services, flooded.id)  # waits for the API
        while not _dispatched(services, flooded.id) and time.monotonic() - accepted < 3.5:
            await asyncio.sleep(0.05)
        waited = time.monotonic() - accepted
        assert pressure.busy  # still saturated: the bound let it through
        assert 0.6 < waited < 3.0, waited
        await hog
    finally:
        dispatcher.stop()
        await running
        await pressure.stop()
        await asyncio.to_thread(enqueuer.close)


async def test_the_checkpointer_folds_the_log_into_the_file(services: Services) -> None:
    path = services.settings.data_dir / "veogate.sqlite"
    await asyncio.sleep(CHECKPOINT_SECONDS * 1.5)  # what start-up wrote is folded in
    before = path.stat().st_size
    caller = await new_caller(services.sessions, "writer")
    for _ in range(200):
        await submit_job(services.sessions, caller)
    deadline = time.monotonic() + CHECKPOINT_SECONDS * 3
    while path.stat().st_size == before and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert path.stat().st_size > before  # the thread copied the pages
    with sqlite3.connect(path) as db:
        busy, logged, copied = WalCheckpointer(path).checkpoint(db)
    assert (busy, copied) == (0, logged)  # and nothing is left behind


async def test_the_engine_turns_automatic_checkpoints_off(services: Services) -> None:
    async with services.engine.connect() as connection:
        value = (await connection.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar()
    assert value == 0
