"""Keys' accounts as operators see and change them (the `veogate credits` CLI and the admin
API): limits, balances, spend, history, and the ledger's self-check."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from veogate.errors import InvalidRequest, NotFound
from veogate.ledger.money import to_credits, to_micros
from veogate.ledger.repository import Account, Entry, LedgerRepository

_CREDIT_LIMITS = ("daily_limit", "monthly_limit")


class LimitsUpdate(BaseModel):
    """A change of a key's limits: only the fields given change; `null` removes a limit.
    Amounts are credits."""

    model_config = ConfigDict(extra="forbid")

    metered: bool | None = Field(
        default=None, description="Whether the balance must cover each job (not nullable)."
    )
    daily_limit: Decimal | None = Field(default=None, ge=0)
    monthly_limit: Decimal | None = Field(default=None, ge=0)
    max_active_jobs: int | None = Field(default=None, ge=0)
    creates_per_minute: int | None = Field(default=None, ge=1)
    allowed_models: list[str] | None = None

    def columns(self, known_models: Iterable[str]) -> dict[str, Any]:
        """The account columns to write; 400 naming the field for a value that cannot be."""
        if "metered" in self.model_fields_set and self.metered is None:
            raise InvalidRequest("metered must be true or false", param="metered")
        unknown = sorted(set(self.allowed_models or ()) - set(known_models))
        if unknown:
            raise InvalidRequest(
                f"allowed_models names unknown models: {', '.join(unknown)}",
                param="allowed_models",
            )
        values: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            values[name] = (
                to_micros(value) if name in _CREDIT_LIMITS and value is not None else value
            )
        return values


async def set_limits(
    ledger: LedgerRepository, key_id: str, update: LimitsUpdate, known_models: Iterable[str]
) -> None:
    if not await ledger.set_limits(key_id, update.columns(known_models)):
        raise NotFound(f"no API key {key_id}")


def _spend_windows(now: datetime) -> tuple[datetime, datetime]:
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day.replace(day=1)


def _credits(micros: int | None) -> float | None:
    return None if micros is None else to_credits(micros)


async def describe(ledger: LedgerRepository, key_id: str, now: datetime) -> dict[str, Any]:
    """The key's account as JSON: balance, limits, and what it spent today and this month."""
    account = await ledger.account(key_id)
    if account is None:
        raise NotFound(f"no API key {key_id}")
    day, month = _spend_windows(now)
    return account_view(account) | {
        "spent_today": to_credits(-await ledger.net_since(key_id, day)),
        "spent_this_month": to_credits(-await ledger.net_since(key_id, month)),
    }


def account_view(account: Account) -> dict[str, Any]:
    return {
        "key_id": account.key_id,
        "metered": account.metered,
        "balance": to_credits(account.balance),
        "limits": {
            "daily_limit": _credits(account.daily_limit),
            "monthly_limit": _credits(account.monthly_limit),
            "max_active_jobs": account.max_active_jobs,
            "creates_per_minute": account.creates_per_minute,
            "allowed_models": account.allowed_models,
        },
    }


def entry_view(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "amount": to_credits(entry.amount),
        "job_id": entry.job_id,
        "actor": entry.actor,
        "detail": entry.detail,
        "at": entry.at.astimezone(UTC).isoformat(),
    }


async def check(ledger: LedgerRepository) -> list[str]:
    """What is wrong with the ledger, in words (nothing: every balance is the sum of its
    key's entries, and every ended job's reservation was settled or released once)."""
    problems = [
        f"key {key}: balance {to_credits(balance)} but its entries sum to {to_credits(total)}"
        for key, balance, total in await ledger.mismatches()
    ]
    problems += [
        f"job {job}: ended {status} but its reservation has {closes} closing entries"
        for job, status, closes in await ledger.unclosed_or_twice()
    ]
    return problems
