"""What the rest of veogate calls to count an event: plain values in, metric names and
labels kept here. Facts recorded in a transaction are observed through
`db.transactions.on_commit`, so a unit of work that is run again is counted once.

A job's arrival in each state is also logged here, once, by the same observation: one
line per accept, start and end, carrying `job_id` (see `veogate.logs`) whichever process
or request made the change.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from veogate.jobs.model import JobStatus
from veogate.metrics import registry

log = logging.getLogger("veogate.jobs")


def job_accepted(job_id: str, dialect: str, model: str, provider: str) -> None:
    registry.JOBS_ACCEPTED.labels(dialect, model, provider).inc()
    about = {"job_id": job_id}
    log.info("accepted: %s %s on %s", dialect, model, provider, extra=about)


def create_refused(code: str) -> None:
    registry.CREATES_REFUSED.labels(code).inc()


def accept_took(dialect: str, seconds: float) -> None:
    registry.ACCEPT_SECONDS.labels(dialect).observe(seconds)


def job_started(model: str, provider: str, created_at: datetime, now: datetime) -> None:
    registry.JOBS_STARTED.labels(model, provider).inc()
    registry.QUEUE_WAIT_SECONDS.labels(provider).observe(_seconds(created_at, now))


def job_ended(
    status: str,
    model: str,
    provider: str,
    created_at: datetime,
    now: datetime,
    failure_code: str | None,
) -> None:
    registry.JOBS_FINISHED.labels(status, model, provider).inc()
    registry.JOB_SECONDS.labels(status, provider).observe(_seconds(created_at, now))
    if failure_code is not None:
        registry.JOB_FAILURES.labels(failure_code, provider).inc()


def upstream_ended(provider: str, status: str, seconds: float) -> None:
    """A job's upstream operation stopped being waited on: `seconds` since its submit."""
    registry.UPSTREAM_SECONDS.labels(provider, status).observe(max(0.0, seconds))


def upstream_error(provider: str, stage: str, code: str) -> None:
    registry.UPSTREAM_ERRORS.labels(provider, stage, code).inc()


def webhook_attempts(outcomes: Counter[str]) -> None:
    for outcome, count in outcomes.items():
        registry.WEBHOOK_ATTEMPTS.labels(outcome).inc(count)


def _seconds(since: datetime, until: datetime) -> float:
    return max(0.0, (until - since).total_seconds())


def job_moved(
    job_id: str,
    target: JobStatus,
    model: str,
    provider: str,
    created_at: datetime,
    now: datetime,
    error_code: str | None,
) -> None:
    """A job's change of status (`JobRepository.transition`), once committed."""
    about = {"job_id": job_id}
    if target is JobStatus.RUNNING:
        job_started(model, provider, created_at, now)
        log.info("started on %s", provider, extra=about)
    elif target.terminal:
        failure = error_code if target is JobStatus.FAILED else None
        job_ended(target.value, model, provider, created_at, now, failure)
        took = _seconds(created_at, now)
        reason = f" ({failure})" if failure else ""
        log.info("%s%s after %.1fs", target.value, reason, took, extra=about)


def ledger_entry(kind: str, micros: int) -> None:
    registry.LEDGER_ENTRIES.labels(kind).inc()
    direction = "in" if micros >= 0 else "out"
    registry.LEDGER_CREDITS.labels(kind, direction).inc(abs(micros) / 1_000_000)
