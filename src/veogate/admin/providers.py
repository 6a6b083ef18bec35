"""The providers as operators see them: the models each serves, its credentials (names and
kinds, never secrets), what each has in flight upstream and how its recent jobs ended.

Everything about a provider comes from the registry (`providers/registry.py`, the one place
that knows provider names); this module only reads it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from veogate.admin.providers_repository import Outcomes, ProviderHealthRepository
from veogate.admin.schemas import CredentialView, ProviderView, RecentJobs
from veogate.catalog import Catalog
from veogate.errors import ProviderError
from veogate.providers.registry import Member, ProviderRegistry

RECENT_MINUTES = 15
PROVIDER_SIDE_CODES = (ProviderError.code, "deadline_exceeded")
"""Failure codes that are the upstream's fault: it failed, or never finished in time (not a
filtered prompt, a bad input or our own error)."""


async def provider_views(
    session: AsyncSession, registry: ProviderRegistry, catalog: Catalog
) -> list[ProviderView]:
    health = ProviderHealthRepository(session)
    in_flight = await health.in_flight()
    since = datetime.now(UTC) - timedelta(minutes=RECENT_MINUTES)
    outcomes = await health.outcomes_since(since, PROVIDER_SIDE_CODES)
    routes = registry.routes()
    views = []
    for pool, names in sorted(registry.pools().items()):
        models = sorted(
            name for name, model in catalog.models.items() if routes.get(model.canonical) == pool
        )
        credentials = [
            _credential(registry.member(name), in_flight.get(name, 0), outcomes.get(name))
            for name in names
        ]
        views.append(ProviderView(name=pool, models=models, credentials=credentials))
    return views


def _credential(member: Member, in_flight: int, recent: Outcomes | None) -> CredentialView:
    recent = recent or Outcomes()
    rate = None if recent.finished == 0 else round(recent.provider_failures / recent.finished, 4)
    return CredentialView(
        name=member.name,
        kind=member.kind,
        description=member.description,
        concurrency=member.concurrency,
        requests_per_minute=member.requests_per_minute,
        max_in_flight=member.max_in_flight,
        in_flight=in_flight,
        recent=RecentJobs(
            window_minutes=RECENT_MINUTES,
            finished=recent.finished,
            failed=recent.failed,
            provider_failures=recent.provider_failures,
            error_rate=rate,
        ),
    )
