"""All SQL for key accounts and the ledger. The only code that changes a balance: every
change is one entry appended and the same amount added to `api_keys.balance`, in the
caller's transaction."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import BigInteger, Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import ApiKeyRow, JobRow, LedgerEntryRow
from veogate.db.transactions import on_commit
from veogate.jobs.lifecycle import LIVE_VALUES
from veogate.metrics import observe

_KEYS = cast(Table, ApiKeyRow.__table__)
_ENTRIES = cast(Table, LedgerEntryRow.__table__)
_INSERT_ENTRY = insert(_ENTRIES)
CLOSING_KINDS = ("settle", "release")


@dataclass(frozen=True)
class Account:
    """A key's account as it stands after an entry (or as read)."""

    key_id: str
    metered: bool
    balance: int
    daily_limit: int | None
    monthly_limit: int | None
    max_active_jobs: int | None
    creates_per_minute: int | None
    allowed_models: list[str] | None
    revoked: bool


_ACCOUNT_COLUMNS = (
    _KEYS.c.id,
    _KEYS.c.metered,
    _KEYS.c.balance,
    _KEYS.c.daily_limit,
    _KEYS.c.monthly_limit,
    _KEYS.c.max_active_jobs,
    _KEYS.c.creates_per_minute,
    _KEYS.c.allowed_models,
    _KEYS.c.revoked_at,
)


# Built once: these run on every create and every job's end.
_MOVE_BALANCE = (
    update(_KEYS)
    .where(_KEYS.c.id == bindparam("key"))
    .values(balance=_KEYS.c.balance + bindparam("amount", type_=BigInteger))
    .returning(*_ACCOUNT_COLUMNS)
)
_RESERVATION = select(*_ENTRIES.c).where(
    _ENTRIES.c.job_id == bindparam("job_id"), _ENTRIES.c.kind == "reserve"
)
_LIVE_JOBS = (
    select(func.count())
    .select_from(JobRow)
    .where(JobRow.owner_key_id == bindparam("key"), JobRow.status.in_(LIVE_VALUES))
)


def _account(row: Any) -> Account:
    return Account(
        key_id=row.id,
        metered=bool(row.metered),
        balance=int(row.balance),
        daily_limit=row.daily_limit,
        monthly_limit=row.monthly_limit,
        max_active_jobs=row.max_active_jobs,
        creates_per_minute=row.creates_per_minute,
        allowed_models=row.allowed_models,
        revoked=row.revoked_at is not None,
    )


@dataclass(frozen=True)
class Entry:
    id: int
    key_id: str
    kind: str
    amount: int
    job_id: str | None
    actor: str
    detail: dict[str, Any]
    at: datetime


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def post(
        self,
        key_id: str,
        kind: str,
        amount: int,
        *,
        actor: str,
        now: datetime,
        job_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> Account | None:
        """Append an entry and move the balance by `amount`; the account after it (None: no
        such key). The entry is written first and the key's row last: on PostgreSQL that
        row stays locked until the transaction ends (concurrent entries of one key are
        decided one after another), so it is held for as short a time as can be."""
        await self.session.execute(
            _INSERT_ENTRY,
            {
                "key_id": key_id,
                "kind": kind,
                "amount": amount,
                "job_id": job_id,
                "actor": actor,
                "detail": detail or {},
                "at": now,
            },
        )
        row = (await self.session.execute(_MOVE_BALANCE, {"key": key_id, "amount": amount})).first()
        if row is None:
            return None
        on_commit(self.session, functools.partial(observe.ledger_entry, kind, amount))
        return _account(row)

    @staticmethod
    def account_of(row: ApiKeyRow) -> Account:
        """The account of a key row already read (the admin API's key listings)."""
        return _account(row)

    async def account(self, key_id: str) -> Account | None:
        row = (
            await self.session.execute(select(*_ACCOUNT_COLUMNS).where(_KEYS.c.id == key_id))
        ).first()
        return None if row is None else _account(row)

    async def set_limits(self, key_id: str, values: dict[str, Any]) -> bool:
        """Set account columns other than the balance (`metered`, the limits)."""
        assert "balance" not in values, "the balance moves only with an entry"
        result = await self.session.execute(
            update(_KEYS).where(_KEYS.c.id == key_id).values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def reservation(self, job_id: str) -> Entry | None:
        """The job's reservation, if it has one (jobs accepted before the ledger have none)."""
        row = (await self.session.execute(_RESERVATION, {"job_id": job_id})).first()
        return None if row is None else Entry(**row._mapping)

    async def net_since(self, key_id: str, since: datetime) -> int:
        """The sum of the key's job entries (reservations and what they returned) since."""
        result = await self.session.execute(
            select(func.coalesce(func.sum(_ENTRIES.c.amount), 0)).where(
                _ENTRIES.c.key_id == key_id,
                _ENTRIES.c.at >= since,
                _ENTRIES.c.kind.in_(("reserve", *CLOSING_KINDS)),
            )
        )
        return int(result.scalar_one())

    async def created_since(self, key_id: str, since: datetime) -> int:
        """Jobs the key created since (the one being accepted included)."""
        result = await self.session.execute(
            select(func.count())
            .select_from(JobRow)
            .where(JobRow.owner_key_id == key_id, JobRow.created_at >= since)
        )
        return int(result.scalar_one())

    async def live_jobs(self, key_id: str) -> int:
        """Queued and running jobs of the key (the one being accepted included)."""
        return int((await self.session.execute(_LIVE_JOBS, {"key": key_id})).scalar_one())

    async def history(
        self, key_id: str, *, limit: int = 50, before: int | None = None
    ) -> list[Entry]:
        """The key's entries, newest first; `before` an entry id to page back from."""
        query = select(*_ENTRIES.c).where(_ENTRIES.c.key_id == key_id)
        if before is not None:
            query = query.where(_ENTRIES.c.id < before)
        rows = await self.session.execute(query.order_by(_ENTRIES.c.id.desc()).limit(limit))
        return [Entry(**row._mapping) for row in rows]

    async def mismatches(self, key_ids: Sequence[str] | None = None) -> list[tuple[str, int, int]]:
        """(key, balance, sum of entries) of every key whose balance is not that sum."""
        sums = (
            select(_ENTRIES.c.key_id, func.sum(_ENTRIES.c.amount).label("total"))
            .group_by(_ENTRIES.c.key_id)
            .subquery()
        )
        total = func.coalesce(sums.c.total, 0)
        query = (
            select(_KEYS.c.id, _KEYS.c.balance, total)
            .select_from(_KEYS.outerjoin(sums, sums.c.key_id == _KEYS.c.id))
            .where(_KEYS.c.balance != total)
        )
        if key_ids is not None:
            query = query.where(_KEYS.c.id.in_(key_ids))
        return [(k, int(b), int(t)) for k, b, t in await self.session.execute(query)]

    async def balances(self) -> dict[bool, int]:
        """The sum of the balances of metered (True) and unmetered (False) keys that are
        not revoked (the keys table: small, read whole)."""
        result = await self.session.execute(
            select(_KEYS.c.metered, func.sum(_KEYS.c.balance))
            .where(_KEYS.c.revoked_at.is_(None))
            .group_by(_KEYS.c.metered)
        )
        return {bool(metered): int(total) for metered, total in result}

    async def reserved(self) -> int:
        """Micro-credits held by the reservations of live jobs (by the jobs' status index
        and the reservations' unique index: never a scan of the whole ledger)."""
        result = await self.session.execute(
            select(func.coalesce(-func.sum(_ENTRIES.c.amount), 0))
            .select_from(_ENTRIES.join(JobRow, JobRow.id == _ENTRIES.c.job_id))
            .where(JobRow.status.in_(LIVE_VALUES), _ENTRIES.c.kind == "reserve")
        )
        return int(result.scalar_one())

    async def unclosed_or_twice(self) -> list[tuple[str, str, int]]:
        """(job, status, closing entries) of reserved jobs that ended with no closing entry
        or more than one, and of live jobs already closed."""
        closes = (
            select(_ENTRIES.c.job_id, func.count().label("n"))
            .where(_ENTRIES.c.kind.in_(CLOSING_KINDS))
            .group_by(_ENTRIES.c.job_id)
            .subquery()
        )
        count = func.coalesce(closes.c.n, 0)
        live = JobRow.status.in_(LIVE_VALUES)
        query = (
            select(JobRow.id, JobRow.status, count)
            .select_from(
                _ENTRIES.join(JobRow, JobRow.id == _ENTRIES.c.job_id).outerjoin(
                    closes, closes.c.job_id == _ENTRIES.c.job_id
                )
            )
            .where(_ENTRIES.c.kind == "reserve")
            .where((live & (count != 0)) | (~live & (count != 1)))
        )
        return [(job, status, int(n)) for job, status, n in await self.session.execute(query)]
