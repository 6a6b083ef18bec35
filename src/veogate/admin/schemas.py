"""What the admin API answers: response models, so `/openapi.json` is the real contract.

Built field by field from rows and records, never by dumping a row: secret hashes, signing
secrets and endpoint secrets have no field here, so no answer can carry them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A list, and how to ask for what follows (`next_cursor`, None at the end)."""

    data: list[T]
    next_cursor: str | None = None


class KeyLimitsView(BaseModel):
    """A key's limits (`docs/relay.md`); null: none. Amounts are credits."""

    daily_limit: float | None
    monthly_limit: float | None
    max_active_jobs: int | None
    """None: `VEOGATE_MAX_ACTIVE_JOBS_PER_KEY`."""
    creates_per_minute: int | None
    allowed_models: list[str] | None


class KeyView(BaseModel):
    """A customer API key as operators see it, with its account."""

    id: str
    name: str
    prefix: str
    """The secret's first characters, to recognise it; never the secret."""
    state: str
    """`active` or `revoked`."""
    created_at: datetime
    revoked_at: datetime | None = None
    metered: bool
    """Whether the balance must cover each job."""
    balance: float
    """Credits: the sum of the key's ledger entries."""
    limits: KeyLimitsView


class AccountView(BaseModel):
    """A key's account now: balance, limits and spend (UTC day and month)."""

    key_id: str
    metered: bool
    balance: float
    limits: KeyLimitsView
    spent_today: float
    spent_this_month: float


class CreditRequest(BaseModel):
    """A top-up (positive) or an adjustment (either sign), in credits."""

    model_config = ConfigDict(extra="forbid")

    amount: Decimal
    note: str | None = Field(default=None, max_length=500)


class LedgerEntryView(BaseModel):
    id: int
    kind: str
    """`reserve`, `settle`, `release`, `top_up` or `adjust`."""
    amount: float
    """Credits, signed: what the entry added to the balance."""
    job_id: str | None
    actor: str
    """`system`, `cli` or `admin:<admin key id>`."""
    detail: dict[str, Any]
    at: datetime


class CreateKeyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    credits: Decimal | None = Field(
        default=None,
        ge=0,
        description="Make the key metered with this opening balance (default: unmetered).",
    )


class CreatedKeyView(BaseModel):
    key: KeyView
    secret: str
    """Shown once: veogate keeps only its hash."""


class JobError(BaseModel):
    code: str
    message: str | None = None


class JobView(BaseModel):
    """A job of any dialect, as listed."""

    id: str
    dialect: str
    model: str
    provider: str
    status: str
    progress: int
    key: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    deleted_at: datetime | None = None
    error: JobError | None = None


class EventView(BaseModel):
    """One line of a job's timeline: an event clients were told of (`delivered_to_clients`)
    or a step note of the pipeline's own."""

    seq: int
    kind: str
    at: datetime
    detail: dict[str, Any]
    delivered_to_clients: bool


class OutputLink(BaseModel):
    """A signed link to one output video, valid until `expires_at` (Unix seconds)."""

    url: str
    expires_at: int


class JobDetail(JobView):
    spec: dict[str, Any]
    warnings: list[str]
    outputs: list[dict[str, Any]]
    usage: dict[str, float] | None = None
    upstream_operation: str | None = None
    callback_url: str | None = None
    events: list[EventView]
    links: list[OutputLink]
    """A signed download link per kept output (none before success or once expired)."""


class UsageRow(BaseModel):
    """Totals of the jobs that finished with billable seconds, for one group; the group's
    keys (`day`, `key`, `model`, `resolution`, `provider`) appear as asked by `group_by`."""

    day: str | None = None
    key: str | None = None
    model: str | None = None
    resolution: str | None = None
    provider: str | None = None
    jobs: int
    billable_seconds: float
    cost: float


class EndpointView(BaseModel):
    id: str
    key: str
    url: str
    event_types: list[str]
    description: str | None = None
    state: str
    disabled_reason: str | None = None
    created_at: datetime


class DeliveryView(BaseModel):
    id: int
    event_id: str
    event_type: str
    job_id: str
    key: str
    endpoint_id: str | None = None
    url: str
    state: str
    attempts: int
    next_attempt_at: datetime | None = None
    created_at: datetime
    finished_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None


class RecentJobs(BaseModel):
    """Jobs of a credential that ended in the last `window_minutes`."""

    window_minutes: int
    finished: int
    failed: int
    provider_failures: int
    """Failed with a provider-side code (the upstream's fault, not the input's)."""
    error_rate: float | None
    """`provider_failures / finished`, None when none finished."""


class CredentialView(BaseModel):
    """One member of a provider pool: a credential (its name and kind, never its secret)."""

    name: str
    kind: str
    description: str
    concurrency: int
    requests_per_minute: int | None = None
    max_in_flight: int | None = None
    in_flight: int
    """Upstream operations being waited on, across every process (`upstream_operations`)."""
    recent: RecentJobs


class ProviderView(BaseModel):
    name: str
    models: list[str]
    """Public model names routed to this provider."""
    credentials: list[CredentialView]


class ConsoleSessionView(BaseModel):
    """A signed-in console (`/console`); never its token or CSRF token."""

    id: str
    admin_key: str
    """The admin key it was signed in with."""
    admin_key_name: str
    created_at: datetime
    last_seen_at: datetime
    """Its last request (written at most once a minute)."""
    expires_at: datetime
    """When it ends unless used: idle limit or absolute limit, whichever is first."""
    current: bool
    """Whether this is the session that asked."""


class SignInRequest(BaseModel):
    """`POST /console/session`: the admin key to sign in with."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(max_length=200)
