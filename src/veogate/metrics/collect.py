"""Scrape-time figures: read from the database by the `/metrics` route, then served through
a collector made for that one scrape.

The query is async and a prometheus-client collector is not, so the route reads first
(`read_figures`) and hands the finished families to `Snapshot`. Each source below is one
group of figures; a new group (the ledger's totals, say) is one more async function of the
same shape added to `SOURCES`, reading through its own repository on `repo.session` (as
`ledger_figures` does).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from veogate.db.transactions import scoped
from veogate.ledger.money import to_credits
from veogate.ledger.repository import LedgerRepository
from veogate.metrics.repository import MetricsRepository
from veogate.wiring import Services

FigureSource = Callable[[MetricsRepository, Services], Awaitable[list[Metric]]]
"""One group of scrape-time figures: the families it read, given the scrape's repository
(one session, one snapshot of the tables) and the services (settings, providers)."""


async def job_figures(repo: MetricsRepository, _services: Services) -> list[Metric]:
    jobs = GaugeMetricFamily(
        "veogate_jobs",
        "Jobs queued or running now, by status, model and provider (all processes).",
        labels=["status", "model", "provider"],
    )
    for live in await repo.live_jobs():
        jobs.add_metric([live.status, live.model, live.provider], live.count)
    queue = await repo.queue()
    inbox = GaugeMetricFamily(
        "veogate_jobs_undispatched",
        "Accepted jobs no worker has taken into the workflow engine yet (the inbox).",
        value=queue.undispatched,
    )
    oldest = GaugeMetricFamily(
        "veogate_oldest_queued_job_age_seconds",
        "How long the oldest job still queued has waited (0 when none is).",
        value=_age(queue.oldest_queued_at),
    )
    return [jobs, inbox, oldest]


async def upstream_figures(repo: MetricsRepository, services: Services) -> list[Metric]:
    counts = await repo.operations_in_flight()
    limits = {m.name: m.max_in_flight for m in services.providers.members() if m.remote is not None}
    in_flight = GaugeMetricFamily(
        "veogate_upstream_in_flight",
        "Upstream operations submitted and not yet done, by provider member (credential).",
        labels=["provider"],
    )
    for provider in sorted(set(counts) | set(limits)):
        in_flight.add_metric([provider], counts.get(provider, 0))
    limit = GaugeMetricFamily(
        "veogate_upstream_in_flight_limit",
        "The in-flight cap of each remote provider member (VEOGATE_GOOGLE_MAX_IN_FLIGHT).",
        labels=["provider"],
    )
    for provider, cap in sorted(limits.items()):
        if cap is not None:
            limit.add_metric([provider], cap)
    return [in_flight, limit]


async def delivery_figures(repo: MetricsRepository, _services: Services) -> list[Metric]:
    pending = GaugeMetricFamily(
        "veogate_webhook_deliveries_pending",
        "Webhook deliveries not yet delivered nor given up (first attempts and retries).",
        value=await repo.pending_webhooks(),
    )
    return [pending]


async def worker_figures(repo: MetricsRepository, _services: Services) -> list[Metric]:
    heartbeat = GaugeMetricFamily(
        "veogate_worker_heartbeat_age_seconds",
        "Seconds since each running worker's last heartbeat (executors neither stopped "
        "nor taken over).",
        labels=["executor"],
    )
    executors = await repo.running_executors()
    for executor in executors:
        heartbeat.add_metric([executor.id], _age(executor.last_seen))
    return [heartbeat]


async def ledger_figures(repo: MetricsRepository, _services: Services) -> list[Metric]:
    ledger = LedgerRepository(repo.session)
    balances = GaugeMetricFamily(
        "veogate_ledger_balance_credits",
        "The sum of active keys' balances, metered or not (unmetered keys go negative by "
        "what they used).",
        labels=["metered"],
    )
    for metered, total in sorted((await ledger.balances()).items()):
        balances.add_metric(["true" if metered else "false"], to_credits(total))
    reserved = GaugeMetricFamily(
        "veogate_ledger_reserved_credits",
        "Credits held by the reservations of queued and running jobs.",
        value=to_credits(await ledger.reserved()),
    )
    return [balances, reserved]


SOURCES: tuple[FigureSource, ...] = (
    job_figures,
    upstream_figures,
    delivery_figures,
    worker_figures,
    ledger_figures,
)
"""Every group of scrape-time figures, in the order they are served."""


async def read_figures(
    services: Services, sources: Sequence[FigureSource] = SOURCES
) -> list[Metric]:
    """Every source's families, read in one session."""
    families: list[Metric] = []
    async with scoped(services.sessions) as session:
        repo = MetricsRepository(session)
        for source in sources:
            families.extend(await source(repo, services))
    return families


class Snapshot(Collector):
    """A collector that serves families read before the scrape (for one scrape)."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self.families)


def _age(since: datetime | None) -> float:
    if since is None:
        return 0.0
    return max(0.0, (datetime.now(UTC) - since).total_seconds())
