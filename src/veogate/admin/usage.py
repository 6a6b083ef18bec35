"""Usage totals for operators, as JSON rows or CSV. From the jobs table for now; the ledger
adds credits beside them."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from veogate.admin.schemas import UsageRow
from veogate.errors import InvalidRequest
from veogate.jobs.stats_repository import JobStatsRepository, UsageGroup

TOTALS = ("jobs", "billable_seconds", "cost")


def parse_groups(group_by: str | None) -> list[UsageGroup]:
    """`day,key,...` as groups in their canonical order (day, key, model, resolution,
    provider), whatever order they were given in."""
    names = {name.strip() for name in (group_by or "").split(",") if name.strip()}
    known = {group.value for group in UsageGroup}
    unknown = sorted(names - known)
    if unknown:
        raise InvalidRequest(
            f"group_by: unknown {', '.join(unknown)} (known: {', '.join(known)})",
            param="group_by",
        )
    return [group for group in UsageGroup if group.value in names]


async def usage_rows(
    session: AsyncSession,
    groups: Sequence[UsageGroup],
    *,
    since: datetime,
    until: datetime | None,
) -> list[UsageRow]:
    totals = await JobStatsRepository(session).usage(groups, since=since, until=until)
    return [
        UsageRow.model_validate(
            {
                **{group.value: value for group, value in row.groups.items()},
                "jobs": row.jobs,
                "billable_seconds": round(row.seconds, 3),
                "cost": round(row.cost, 6),
            }
        )
        for row in totals
    ]


def as_csv(groups: Sequence[UsageGroup], rows: Sequence[UsageRow]) -> str:
    """A header row (the groups asked for, then the totals), then one line per row."""
    columns = [*(group.value for group in groups), *TOTALS]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        values = row.model_dump()
        writer.writerow([values[column] for column in columns])
    return out.getvalue()
