"""The ledger on SQLite and PostgreSQL: quotes, reserve/settle/release amounts, entries the
database refuses to change, and the self-check that finds a balance off its entries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.support.databases import (
    database_url_fixture,
    new_caller,
    output,
    reserve,
    sessions_fixture,
    submit_job,
)
from veogate.catalog import load_catalog
from veogate.db.transactions import scoped, transact
from veogate.jobs.model import JobSpec, JobStatus
from veogate.jobs.repository import JobRepository
from veogate.ledger import accounts
from veogate.ledger.money import show, to_micros
from veogate.ledger.prices import quote
from veogate.ledger.repository import LedgerRepository

database_url = database_url_fixture()
sessions = sessions_fixture()
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_money_is_exact_in_micro_credits() -> None:
    assert to_micros("0.1") + to_micros("0.2") == to_micros("0.3")
    assert to_micros(1.2345675) == 1_234_568  # half to even at the micro-credit
    assert show(-2_500_000) == "-2.5"
    assert show(40_000_000) == "40"
    with pytest.raises(ValueError, match="not an amount"):
        to_micros("NaN")


def test_a_quote_is_duration_times_samples_times_price_with_audio() -> None:
    with pytest.raises(ValueError, match="unknown canonical model 'veo-9'"):
        load_catalog(prices={"veo-9": {"720p": 1.0}})
    catalog = load_catalog(prices={"veo-3.1": {"1080p": 0.3, "audio": 0.1}})
    spec = {
        "public_model": "veo_3_1_pro",
        "canonical_model": "veo-3.1",
        "prompt": "x",
        "seed": 1,
        "resolution": "1080p",
        "duration_seconds": 8,
        "sample_count": 2,
    }
    with_sound = quote(catalog, JobSpec.model_validate(spec))
    silent = quote(catalog, JobSpec.model_validate(spec | {"generate_audio": False}))
    assert (with_sound.unit, with_sound.seconds, with_sound.amount) == (400_000, 16.0, 6_400_000)
    assert silent.amount == 4_800_000
    assert with_sound.charge(7.5) == 3_000_000
    assert with_sound.charge(99) == with_sound.amount  # never more than reserved


async def test_success_settles_failure_releases_and_entries_are_append_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    caller = await new_caller(sessions, "ledger")
    won, lost = await submit_job(sessions, caller), await submit_job(sessions, caller)

    async def run(session: AsyncSession) -> None:
        repo = JobRepository(session)
        for job in (won, lost):
            await reserve(session, job, 100_000, 16.0)  # 1.6 credits each
            assert await repo.start(job.id, NOW)
        assert await repo.record_success(won.id, [output(0, 8.0)], NOW)  # one sample of two
        assert await repo.record_end(lost.id, JobStatus.FAILED, NOW, "provider_error", "no")
        # A late second end of either writes nothing (and closes nothing again).
        assert not await repo.record_end(won.id, JobStatus.FAILED, NOW, "x", "late")

    await transact(sessions, run, what="jobs")
    async with scoped(sessions) as session:
        ledger = LedgerRepository(session)
        entries = await ledger.history(caller.key_id)
        account = await ledger.account(caller.key_id)
        assert await accounts.check(ledger) == []
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(text("UPDATE ledger_entries SET amount = 0"))
        await session.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(text("DELETE FROM ledger_entries"))
        await session.rollback()
        await session.execute(
            text("UPDATE api_keys SET balance = balance + 1 WHERE id = :k"), {"k": caller.key_id}
        )
        problems = await accounts.check(ledger)
    kinds = sorted((e.kind, e.job_id, e.amount) for e in entries)
    assert kinds == sorted(
        [
            ("reserve", won.id, -1_600_000),
            ("reserve", lost.id, -1_600_000),
            ("settle", won.id, 800_000),  # 8 of 16 seconds delivered: half returned
            ("release", lost.id, 1_600_000),
        ]
    )
    assert account is not None
    assert account.balance == -800_000
    assert problems == [f"key {caller.key_id}: balance -0.799999 but its entries sum to -0.8"]
