"""`/admin/v1/usage`: jobs, billable seconds and cost per day, key, model, resolution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import Header, Query, Response

from veogate.admin.jobs import utc
from veogate.admin.routing import admin_router
from veogate.admin.schemas import Page, UsageRow
from veogate.admin.usage import as_csv, parse_groups, usage_rows
from veogate.api.deps import SessionDep

router = admin_router("usage")

DEFAULT_DAYS = 30


@router.get(
    "/usage",
    response_model=Page[UsageRow],
    responses={200: {"content": {"text/csv": {}}}},
)
async def usage(
    session: SessionDep,
    since: Annotated[
        datetime | None, Query(description=f"Default: {DEFAULT_DAYS} days ago.")
    ] = None,
    until: datetime | None = None,
    group_by: Annotated[
        str | None, Query(description="Any of day,key,model,resolution,provider.")
    ] = None,
    output_format: Annotated[Literal["json", "csv"] | None, Query(alias="format")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Page[UsageRow] | Response:
    """Jobs that finished with billable seconds in [since, until), totalled per group;
    CSV with `?format=csv` or `Accept: text/csv`."""
    groups = parse_groups(group_by)
    start = utc(since) or datetime.now(UTC) - timedelta(days=DEFAULT_DAYS)
    rows = await usage_rows(session, groups, since=start, until=utc(until))
    wants_csv = output_format == "csv" or (output_format is None and "text/csv" in (accept or ""))
    if wants_csv:
        return Response(as_csv(groups, rows), media_type="text/csv; charset=utf-8")
    return Page(data=rows)
