"""The ledger's use cases: reserve a job's price on accept, close the reservation when the
job ends, top up and adjust by hand. Each runs in the caller's transaction; SQL is in
`repository.py`.

    reserve   on accept: duration x samples x price, refused (the transaction rolls back,
              nothing is queued) when the key's balance or a limit cannot cover it
    settle    the job succeeded: the seconds delivered are charged, the rest returned; a job
              cancelled after its upstream submit is charged in full (configurable)
    release   the job failed, every sample was filtered, or it was cancelled before any
              upstream submit: all of it returned
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from veogate.errors import Forbidden, InsufficientQuota, InvalidRequest, NotFound, RateLimited
from veogate.jobs.model import JobSpec, JobStatus
from veogate.ledger.money import show
from veogate.ledger.prices import Quote
from veogate.ledger.repository import Account, LedgerRepository

SYSTEM = "system"
"""The actor of the entries veogate makes itself (accept and the pipeline)."""

MINUTE = timedelta(minutes=1)
ACTIVE_JOBS_RETRY_AFTER_SECONDS = 10


@dataclass(frozen=True)
class Reservation:
    """What a new job commits to: its quote, and the terms it was accepted on."""

    job_id: str
    key_id: str
    spec: JobSpec
    quote: Quote
    charge_cancelled_after_submit: bool
    default_max_active_jobs: int
    """`VEOGATE_MAX_ACTIVE_JOBS_PER_KEY`, for a key without a limit of its own (0: none)."""
    model_names: frozenset[str] = frozenset()
    """Every public name of the job's canonical model: a key allowed any of them may use the
    model under each (the kyy, apimart, OpenAI and Google names of one model are one model)."""


@dataclass(frozen=True)
class Charge:
    """What closing a job's reservation charged the key."""

    seconds: float
    amount: int


async def reserve(ledger: LedgerRepository, reservation: Reservation, now: datetime) -> Account:
    """Take the job's price from the key's balance, or refuse the job (raise) when the key
    may not have it. The job's row is written already, in the same transaction: counts of
    the key's jobs include it."""
    quote = reservation.quote
    detail = {
        "unit": quote.unit,
        "seconds": quote.seconds,
        "model": reservation.spec.public_model,
        "resolution": reservation.spec.resolution,
        "audio": reservation.spec.generate_audio,
        "charge_cancelled_after_submit": reservation.charge_cancelled_after_submit,
    }
    account = await ledger.post(
        reservation.key_id,
        "reserve",
        -quote.amount,
        actor=SYSTEM,
        now=now,
        job_id=reservation.job_id,
        detail=detail,
    )
    if account is None:
        raise NotFound(f"no API key {reservation.key_id}")
    _check_model(account, reservation.spec.public_model, reservation.model_names)
    if account.metered and account.balance < 0:
        raise InsufficientQuota(
            f"this job costs up to {show(quote.amount)} credits ({show(quote.unit)} per "
            f"second x {quote.seconds:g} s) but the API key's balance is "
            f"{show(account.balance + quote.amount)} credits; top it up or ask for less",
        )
    await _check_spend(ledger, account, quote, now)
    await _check_jobs(ledger, account, reservation.default_max_active_jobs, now)
    return account


def _check_model(account: Account, model: str, same_model: frozenset[str]) -> None:
    allowed = account.allowed_models
    if allowed is not None and (same_model | {model}).isdisjoint(allowed):
        listed = ", ".join(allowed) or "none"
        raise Forbidden(
            f"this API key may not use model {model!r} (it may use: {listed}, under any "
            "dialect's name)",
            code="model_not_allowed",
            param="model",
        )


async def _check_spend(
    ledger: LedgerRepository, account: Account, quote: Quote, now: datetime
) -> None:
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for name, limit, since in (
        ("daily", account.daily_limit, day),
        ("monthly", account.monthly_limit, day.replace(day=1)),
    ):
        if limit is None:
            continue
        spent = -await ledger.net_since(account.key_id, since)
        if spent > limit:
            raise InsufficientQuota(
                f"this job costs up to {show(quote.amount)} credits, which would take the "
                f"API key's {name} spend to {show(spent)} credits, over its {name} limit of "
                f"{show(limit)} credits",
            )


async def _check_jobs(
    ledger: LedgerRepository, account: Account, default_max_active: int, now: datetime
) -> None:
    most = account.max_active_jobs if account.max_active_jobs is not None else default_max_active
    if most > 0 and await ledger.live_jobs(account.key_id) > most:
        raise RateLimited(
            f"this API key already has {most} queued or running jobs, the most allowed; "
            "wait for some to finish",
            retry_after=ACTIVE_JOBS_RETRY_AFTER_SECONDS,
            code="quota_exceeded",
        )
    per_minute = account.creates_per_minute
    if (
        per_minute is not None
        and await ledger.created_since(account.key_id, now - MINUTE) > per_minute
    ):
        raise RateLimited(
            f"this API key may create {per_minute} jobs per minute; retry later",
            retry_after=max(1, round(60 / max(per_minute, 1))),
            code="rate_limited",
        )


async def close(
    ledger: LedgerRepository,
    job_id: str,
    status: JobStatus,
    *,
    delivered_seconds: float,
    submit_sent: bool,
    now: datetime,
) -> Charge | None:
    """Settle or release the job's reservation as `status` ends it (once: this runs in the
    transaction that ends the job). None when the job has no reservation."""
    reserved = await ledger.reservation(job_id)
    if reserved is None:
        return None
    quote = Quote(unit=int(reserved.detail["unit"]), seconds=float(reserved.detail["seconds"]))
    charge_cancelled = bool(reserved.detail.get("charge_cancelled_after_submit", True))
    if status is JobStatus.SUCCEEDED:
        seconds = min(delivered_seconds, quote.seconds)
    elif status is JobStatus.CANCELLED and submit_sent and charge_cancelled:
        seconds = quote.seconds
    else:
        seconds = 0.0
    charged = quote.charge(seconds)
    await ledger.post(
        reserved.key_id,
        "settle" if seconds > 0 else "release",
        -reserved.amount - charged,
        actor=SYSTEM,
        now=now,
        job_id=job_id,
        detail={"charged": charged, "seconds": seconds, "status": status.value},
    )
    return Charge(seconds=seconds, amount=charged)


async def credit(
    ledger: LedgerRepository,
    key_id: str,
    kind: str,
    amount: int,
    *,
    actor: str,
    note: str | None,
    now: datetime,
) -> Account:
    """A `top_up` (a positive amount) or an `adjust` (either sign) made by hand."""
    if kind == "top_up" and amount <= 0:
        raise InvalidRequest("a top-up must be a positive amount of credits", param="amount")
    if kind == "adjust" and amount == 0:
        raise InvalidRequest("an adjustment must not be zero", param="amount")
    if await ledger.account(key_id) is None:
        raise NotFound(f"no API key {key_id}")
    detail: dict[str, Any] = {"note": note} if note else {}
    account = await ledger.post(key_id, kind, amount, actor=actor, now=now, detail=detail)
    if account is None:
        raise NotFound(f"no API key {key_id}")
    return account
