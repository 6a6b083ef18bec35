"""All SQL for claiming due webhook deliveries.

Senders claim due deliveries by pushing `next_at` forward by a lease (an atomic
`UPDATE ... RETURNING`, the rows picked with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
workers never attempt the same delivery at once); a sender that dies lets its lease run out
and the delivery is attempted again, with the same `webhook-id`. `attempts` counts claims, so
an attempt cut short by a crash still counts against the schedule.

Order: a delivery is never claimed while an earlier event of its job is still to be fanned
out, or while the delivery of an earlier event of its job to the same receiver is pending.
Fairness: at most `per_target` attempts per `scheme://host:port` at once, and targets take
turns (`ClaimRepository._due_ids`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, func, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import BindParameter, ColumnClause

from veogate.db.tables import JobEventRow, WebhookDeliveryRow
from veogate.delivery.repository import Claimed, DeliveryState

_D = cast(Table, WebhookDeliveryRow.__table__)
_E = cast(Table, JobEventRow.__table__)
_EARLIER = _D.alias("earlier")
_EARLIER_EVENT = _E.alias("earlier_event")
SCAN_FACTOR = 2
"""A claim looks at most this many times as many due deliveries as it may take."""
_NO_TARGET = "-"
"""Matches no delivery's target (`scheme://host:port`)."""

# The order rules, as scalar subqueries over the few rows of one job. Only the job is a
# condition that an index can serve (the rest is inside the aggregate or in functions), so
# every database looks the rows up by job whatever its statistics say: stale statistics of
# a fast-growing table otherwise led PostgreSQL to plans quadratic in the backlog.
_NONE: ColumnClause[str] = literal_column("''")
_PENDING: ColumnClause[str] = literal_column(f"'{DeliveryState.PENDING.value}'")
_FIRST_PENDING_FOR_RECEIVER = (
    select(func.min(case((_EARLIER.c.state == _PENDING, _EARLIER.c.event_id), else_=None)))
    .where(
        _EARLIER.c.job_id == _D.c.job_id,
        _EARLIER.c.url == _D.c.url,
        func.coalesce(_EARLIER.c.endpoint_id, _NONE) == func.coalesce(_D.c.endpoint_id, _NONE),
    )
    .scalar_subquery()
)
"""The first event of the delivery's job still pending for the same receiver."""
_FIRST_NOT_FANNED_OUT = (
    select(func.min(case((_EARLIER_EVENT.c.fanout, _EARLIER_EVENT.c.id), else_=None)))
    .where(_EARLIER_EVENT.c.job_id == _D.c.job_id)
    .scalar_subquery()
)
"""The first event of the delivery's job not yet fanned out, if any."""
_FREE_TO_GO = and_(
    _D.c.event_id == _FIRST_PENDING_FOR_RECEIVER,
    func.coalesce(_FIRST_NOT_FANNED_OUT, _D.c.event_id) >= _D.c.event_id,
)


def _due_statement(*, only: bool) -> Any:
    """Due deliveries free to go, at most `:per_target` per target, oldest first.

    Only the oldest `:scan` due deliveries (of `:targets`, or of any target but them) are
    looked at, so a claim costs the same however long the backlog; they are ranked within
    their target by a window function. Built once: building it costs more than running it.
    """
    targets: BindParameter[str] = bindparam("targets", expanding=True)
    scan = (
        select(_D.c.id, _D.c.target, _D.c.next_at)
        .where(
            _D.c.state == DeliveryState.PENDING.value,
            _D.c.next_at <= bindparam("now"),
            _D.c.target.in_(targets) if only else _D.c.target.not_in(targets),
            _FREE_TO_GO,
        )
        .order_by(_D.c.next_at)  # the index's order: the scan stops at the limit
        .limit(bindparam("scan"))
        .subquery()
    )
    rank = func.row_number().over(partition_by=scan.c.target, order_by=(scan.c.next_at, scan.c.id))
    ranked = select(scan.c.id, scan.c.target, scan.c.next_at, rank.label("rank")).subquery()
    return (
        select(ranked.c.id, ranked.c.target)
        .where(ranked.c.rank <= bindparam("per_target"))
        .order_by(ranked.c.next_at, ranked.c.id)
        .limit(bindparam("limit"))
    )


_DUE_OF = _due_statement(only=True)
_DUE_EXCEPT = _due_statement(only=False)


class ClaimRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim_due(
        self,
        now: float,
        limit: int,
        lease_until: float,
        *,
        per_target: int,
        busy: Mapping[str, int],
    ) -> list[Claimed]:
        """Up to `limit` due deliveries, leased until `lease_until`, at most `per_target`
        in flight per target counting the `busy` ones this sender already holds."""
        picked = await self._due_ids(now, limit, per_target=per_target, busy=busy)
        if not picked:
            return []
        locked = (
            select(_D.c.id)
            .where(
                _D.c.id.in_(picked),
                _D.c.state == DeliveryState.PENDING.value,
                _D.c.next_at <= now,
            )
            .with_for_update(skip_locked=True)
        )
        claimed = await self.session.execute(
            update(_D)
            .where(_D.c.id.in_(locked.scalar_subquery()))
            .values(next_at=lease_until, attempts=_D.c.attempts + 1)
            .returning(
                _D.c.event_id,
                _D.c.job_id,
                _D.c.owner_key_id,
                _D.c.endpoint_id,
                _D.c.url,
                _D.c.target,
                _D.c.id,
                _D.c.attempts,
            )
        )
        return sorted((Claimed(*row) for row in claimed), key=lambda c: c.event_seq)

    async def _due_ids(
        self, now: float, limit: int, *, per_target: int, busy: Mapping[str, int]
    ) -> list[int]:
        """Ids of up to `limit` due deliveries free to go: first of targets this sender is
        not busy with, then of those it is busy with but that have room left. So a target
        with a long backlog takes turns with the others instead of filling every claim."""
        if limit <= 0:
            return []
        left = {target: per_target - held for target, held in busy.items()}
        fresh = await self._due(now, limit, per_target, only=False, targets=list(busy))
        picked = [delivery_id for delivery_id, _ in fresh]
        roomy = [target for target, room in left.items() if room > 0]
        if len(picked) < limit and roomy:
            more = await self._due(now, limit - len(picked), per_target, only=True, targets=roomy)
            for delivery_id, target in more:
                if left[target] > 0 and len(picked) < limit:
                    left[target] -= 1
                    picked.append(delivery_id)
        return picked

    async def _due(
        self, now: float, limit: int, per_target: int, *, only: bool, targets: Sequence[str]
    ) -> list[tuple[int, str]]:
        """(id, target) of up to `limit` due deliveries free to go, oldest first, at most
        `per_target` of each target: of `targets` if `only`, else of any target but them."""
        found = await self.session.execute(
            _DUE_OF if only else _DUE_EXCEPT,
            {
                "now": now,
                # Never empty: PostgreSQL plans `NOT IN (<empty>)` badly.
                "targets": list(targets) or [_NO_TARGET],
                "scan": SCAN_FACTOR * limit,
                "per_target": per_target,
                "limit": limit,
            },
        )
        return [(delivery_id, target) for delivery_id, target in found]
