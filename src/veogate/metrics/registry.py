"""The metric objects every veogate process updates (prometheus-client).

Events are counted where they happen, in whichever process: the API (creates), a worker
(starts, ends, upstream errors, webhook attempts). With `PROMETHEUS_MULTIPROC_DIR` set in
the environment before the process starts, prometheus-client keeps each value in a file of
that directory instead of memory, and `/metrics` adds up every process's files; without it,
one process's own values are served. States (jobs queued now, operations in flight) are not
kept here at all: they are read from the database at scrape time (`collect.py`), the one
figure every process agrees on.

Only counters and histograms live here: both add up across processes with no choice of
mode, and a process that dies leaves its counts in place, as a counter should.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    multiprocess,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

disable_created_metrics()  # type: ignore[no-untyped-call]  # no `*_created` series

ACCEPT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""A create answers in milliseconds, longer with inline images or a busy database."""
QUEUE_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
"""A job normally starts within a second of its create; minutes mean a backlog."""
JOB_BUCKETS = (
    *(5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 240.0, 300.0, 450.0),
    *(600.0, 900.0, 1200.0, 1800.0, 3600.0),
)
"""Generation takes about one to several minutes; the default job deadline is 30 minutes."""

JOBS_ACCEPTED = Counter(
    "veogate_jobs_accepted",
    "Jobs created (replays of an Idempotency-Key not counted), by dialect, model and provider.",
    ["dialect", "model", "provider"],
)
CREATES_REFUSED = Counter(
    "veogate_creates_refused",
    "Create requests answered with an error, by error code (rate_limited, quota_exceeded, "
    "invalid_parameter, ...).",
    ["code"],
)
ACCEPT_SECONDS = Histogram(
    "veogate_accept_seconds",
    "Time to accept a create request (body read, validation, the job written), by dialect; "
    "not counting a Prefer: wait.",
    ["dialect"],
    buckets=ACCEPT_BUCKETS,
)
JOBS_STARTED = Counter(
    "veogate_jobs_started",
    "Jobs a worker started (queued -> running), by model and provider.",
    ["model", "provider"],
)
QUEUE_WAIT_SECONDS = Histogram(
    "veogate_queue_wait_seconds",
    "From a job's create to its start by a worker, by provider.",
    ["provider"],
    buckets=QUEUE_BUCKETS,
)
JOBS_FINISHED = Counter(
    "veogate_jobs_finished",
    "Jobs that ended (succeeded, failed, cancelled), by status, model and provider.",
    ["status", "model", "provider"],
)
JOB_FAILURES = Counter(
    "veogate_job_failures",
    "Jobs that failed, by failure code (content_filtered, provider_error, "
    "deadline_exceeded, ...) and provider.",
    ["code", "provider"],
)
JOB_SECONDS = Histogram(
    "veogate_job_duration_seconds",
    "End to end: from a job's create to its end, by status and provider.",
    ["status", "provider"],
    buckets=JOB_BUCKETS,
)
UPSTREAM_SECONDS = Histogram(
    "veogate_upstream_duration_seconds",
    "From an upstream submit to the end of its job (the operation done and its videos "
    "stored, or the job failed or cancelled), by provider (credential) and how the job ended.",
    ["provider", "status"],
    buckets=JOB_BUCKETS,
)
UPSTREAM_ERRORS = Counter(
    "veogate_upstream_errors",
    "Failed calls to an upstream and operations it ended with an error, by provider "
    "(credential), stage (submit, poll, download, operation) and error code.",
    ["provider", "stage", "code"],
)
WEBHOOK_ATTEMPTS = Counter(
    "veogate_webhook_attempts",
    "Webhook delivery attempts, by outcome: delivered, retrying (another attempt is "
    "scheduled), failed (the last attempt failed), gone (410: endpoint disabled), refused "
    "(not sent: address policy, or the job is gone).",
    ["outcome"],
)

LEDGER_ENTRIES = Counter(
    "veogate_ledger_entries",
    "Ledger entries written, by kind (reserve, settle, release, top_up, adjust).",
    ["kind"],
)
LEDGER_CREDITS = Counter(
    "veogate_ledger_credits",
    "Credits moved by ledger entries, by kind and direction (in: to balances, out: from them).",
    ["kind", "direction"],
)


class _ThisProcess(Collector):
    """This process's own values (with prometheus-client's `process_*` and `python_*`)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def add_event_collector(scrape: CollectorRegistry) -> None:
    """Add to a scrape's registry the counters and histograms: every process's (read from
    the files of `PROMETHEUS_MULTIPROC_DIR`) or, without it, this process's own."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(scrape)  # type: ignore[no-untyped-call]
    else:
        scrape.register(_ThisProcess())


def process_ended() -> None:
    """On shutdown: a dead process's files keep its counts (they still add up) but must not
    be read as live. A no-op without `PROMETHEUS_MULTIPROC_DIR`."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
