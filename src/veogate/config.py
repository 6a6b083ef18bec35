"""One validated settings tree, read from `VEOGATE_*` environment variables.

Built by `get_settings()` (never at import time) so that tests and the CLI can build
their own. Paths default to a data directory; secrets that are not given are generated
once and kept in that directory with owner-only permissions, never hard-coded.
"""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, NonNegativeFloat, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_WEBHOOK_SCHEDULE = (
    0.0,
    5.0,
    300.0,
    1800.0,
    7200.0,
    18000.0,
    36000.0,
    50400.0,
    72000.0,
    86400.0,
)
"""Standard Webhooks' schedule: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h."""


class VertexProject(BaseModel):
    """One Vertex AI project veogate may submit to (credentials: a service-account file,
    or the application default credentials when `credentials_file` is not given)."""

    project: str
    location: str = "us-central1"
    credentials_file: Path | None = None
    access_token: str | None = None
    """A fixed OAuth access token instead (for a token-minting proxy, or tests); it expires."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VEOGATE_", extra="ignore")

    data_dir: Path = Field(
        default=Path(".veogate"), description="Where the databases and files live."
    )
    host: str = Field(
        default="127.0.0.1", description="Address to bind; 127.0.0.1 keeps a fresh install private."
    )
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: str | None = Field(
        default=None, description="Base URL clients use to reach veogate (for signed links)."
    )
    database_url: str | None = Field(
        default=None, description="Job tables; default: SQLite file in the data directory."
    )
    system_database_url: str | None = Field(
        default=None,
        description="DBOS system database; default: SQLite file in the data directory.",
    )
    signing_secret: str | None = Field(
        default=None,
        description="HMAC key for download links; default: generated and kept in data_dir.",
    )
    url_ttl_seconds: int = Field(
        default=3600, ge=60, description="Lifetime of a signed download URL."
    )
    upload_url_ttl_seconds: int = Field(
        default=72 * 3600,
        ge=60,
        description="Lifetime of the signed URL of an uploaded image (POST /v1/uploads/images).",
    )
    retention_days: float = Field(
        default=7.0, gt=0, description="Stored results are deleted after this."
    )
    retention_sweep_seconds: float = Field(default=300.0, gt=0)
    max_body_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    rate_limit_per_minute: int = Field(
        default=120, ge=0, description="Create requests per API key per minute (0: no limit)."
    )
    auth_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long a process remembers a key it checked (a revoked key keeps "
        "working that long there; 0: look every key up every time).",
    )
    console_idle_seconds: float = Field(
        default=12 * 3600,
        gt=0,
        description="A console session (`/console`) ends after this long without a request.",
    )
    console_max_seconds: float = Field(
        default=7 * 24 * 3600,
        gt=0,
        description="A console session ends this long after its sign-in, however busy.",
    )
    max_active_jobs_per_key: int = Field(
        default=50, ge=0, description="Queued + running jobs one API key may have (0: no limit)."
    )
    # Server-sent events and `Prefer: wait` (docs/events.md)
    events_heartbeat_seconds: float = Field(
        default=15.0, gt=0, description="A comment on a quiet event stream this often."
    )
    events_poll_seconds: float = Field(
        default=0.25,
        gt=0,
        description="How often the event table is read (SQLite; on PostgreSQL only while its "
        "LISTEN connection is down, else every 2 s besides each notification).",
    )
    events_max_streams_per_key: int = Field(
        default=20, ge=1, description="Event streams one API key may hold open per process."
    )
    render_concurrency: int = Field(
        default=1, ge=1, description="Jobs rendered at once per process."
    )
    render_niceness: int = Field(
        default=10, ge=0, le=19, description="Scheduling niceness of render threads (0: normal)."
    )
    queue_poll_seconds: float = Field(default=0.5, gt=0)
    create_concurrency: int | None = Field(
        default=None,
        ge=1,
        description="Create requests worked on at once per process; more wait their turn "
        "without holding up status reads. Default: 4 on SQLite (a create never waits for "
        "the database there, so more would only queue on the loop), 16 on PostgreSQL "
        "(creates wait on round trips).",
    )
    dispatch_max_defer_seconds: float = Field(
        default=30.0,
        ge=0,
        description="In `serve`, while requests saturate the event loop, accepted jobs wait "
        "up to this long before their workflows start (API first; 0: never wait).",
    )
    kyy_prefix: str = Field(default="/kyyReactApiServer")
    catalog_path: Path | None = Field(
        default=None, description="Replace the shipped model catalog."
    )
    log_level: str = Field(default="INFO")
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="text: one readable line per record; json: one JSON object per line "
        "(time, level, logger, message, job_id on lines about a job).",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="If set, GET /metrics needs `Authorization: Bearer <token>` "
        "(default: open, like /healthz).",
    )
    access_log: bool = Field(default=True, description="Log one line per HTTP request (at INFO).")
    image_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    image_max_pixels: int = Field(default=50_000_000, ge=1)
    image_fetch_timeout_seconds: float = Field(default=15.0, gt=0)
    image_fetch_allow_cidrs: list[str] = Field(default_factory=list)
    image_fetch_allow_hosts: list[str] = Field(default_factory=list)
    image_fetch_allowed_ports: list[int] = Field(default_factory=lambda: [80, 443])
    image_fetch_resolve: dict[str, list[str]] | None = Field(
        default=None,
        description="Fixed host -> addresses table used instead of DNS (like curl --resolve).",
    )

    # Scale-out: storage, workers, executor identity
    storage_url: str | None = Field(
        default=None,
        description="s3://bucket/prefix for S3-compatible storage; default: local disk.",
    )
    s3_endpoint: str | None = Field(default=None, description="S3 endpoint (MinIO, moto, R2...).")
    s3_region: str = Field(default="us-east-1")
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_session_token: str | None = None
    database_pool_size: int = Field(
        default=5,
        ge=1,
        description="PostgreSQL connections per process for the job tables (writes; status "
        "reads have a pool of their own of the same size).",
    )
    system_database_pool_size: int = Field(
        default=10, ge=2, description="PostgreSQL connections per process for DBOS."
    )
    executor_id: str | None = Field(
        default=None, description="This worker's stable identity; default: host + a persisted id."
    )
    heartbeat_seconds: float = Field(default=5.0, gt=0)
    dead_worker_grace_seconds: float = Field(
        default=60.0, gt=0, description="A worker silent this long has its jobs taken over."
    )
    reconcile_seconds: float = Field(
        default=30.0, gt=0, description="How often workers look for jobs without a workflow."
    )
    shutdown_grace_seconds: float = Field(
        default=30.0, ge=0, description="On SIGTERM, how long running steps may take to finish."
    )

    # Providers and routing
    routes: dict[str, str] = Field(
        default_factory=dict,
        description='Canonical model -> provider ("preview" or "google"); default: google '
        "when Google credentials are configured, else preview.",
    )
    google_api_keys: list[str] = Field(
        default_factory=list, description="Gemini API keys, used as a pool (JSON list)."
    )
    vertex_projects: list[VertexProject] = Field(
        default_factory=list, description="Vertex AI projects, used as a pool (JSON list)."
    )
    google_base_url: str | None = Field(default=None, description="Override Google's endpoint.")
    google_model_ids: dict[str, str] = Field(
        default_factory=dict, description="Canonical model -> upstream model id overrides."
    )
    google_concurrency: int = Field(
        default=8, ge=1, description="Jobs being submitted at once per credential per worker."
    )
    google_requests_per_minute: int = Field(
        default=10, ge=1, description="Upstream submits per credential per minute (all workers)."
    )
    google_max_in_flight: int = Field(
        default=10_000,
        ge=1,
        description="Submitted operations not yet done, per credential (all workers, soft).",
    )
    poll_concurrency: int = Field(
        default=64, ge=1, description="Operations looked at once per credential per worker."
    )
    download_concurrency: int = Field(
        default=4, ge=1, description="Jobs whose videos are downloaded at once per worker."
    )
    google_request_timeout_seconds: float = Field(default=60.0, gt=0)
    poll_initial_seconds: float = Field(default=10.0, gt=0)
    poll_max_seconds: float = Field(default=30.0, gt=0)
    poll_backoff: float = Field(default=1.5, ge=1.0)
    job_deadline_seconds: float = Field(default=1800.0, gt=0)
    upstream_max_attempts: int = Field(default=6, ge=1)
    upstream_retry_base_seconds: float = Field(default=2.0, gt=0)
    upstream_retry_max_seconds: float = Field(default=120.0, gt=0)
    prices: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="Price overrides: canonical model -> {resolution or 'audio': credits per "
        'output second}, e.g. \'{"veo-3.1": {"720p": 0.3}}\' (default: the catalog\'s).',
    )
    charge_cancelled_after_submit: bool = Field(
        default=True,
        description="Charge a job cancelled after its upstream submit was sent (the upstream "
        "charges for it); false releases its reservation like any other cancel.",
    )

    # Webhooks (docs/webhooks.md)
    webhook_timeout_seconds: float = Field(
        default=15.0, gt=0, description="A webhook attempt succeeds on a 2xx within this."
    )
    webhook_retry_schedule: list[NonNegativeFloat] = Field(
        default_factory=lambda: list(DEFAULT_WEBHOOK_SCHEDULE),
        min_length=1,
        description="Seconds before each attempt of a delivery (the first: after the event); "
        "when the last attempt fails the delivery is marked failed.",
    )
    webhook_concurrency: int = Field(
        default=64, ge=1, description="Webhook attempts in flight at once per worker."
    )
    webhook_host_concurrency: int = Field(
        default=4, ge=1, description="Webhook attempts in flight to one host at once per worker."
    )
    webhook_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often workers look for new events and due retries."
    )
    webhook_allow_cidrs: list[str] | None = Field(
        default=None,
        description="Like image_fetch_allow_cidrs, for webhook targets (default: same).",
    )
    webhook_allow_hosts: list[str] | None = Field(
        default=None,
        description="Like image_fetch_allow_hosts, for webhook targets (default: same).",
    )
    webhook_allowed_ports: list[int] | None = Field(
        default=None,
        description="Like image_fetch_allowed_ports, for webhook targets (default: same).",
    )

    @property
    def has_google_credentials(self) -> bool:
        return bool(self.google_api_keys or self.vertex_projects)

    @field_validator("kyy_prefix")
    @classmethod
    def _prefix_shape(cls, value: str) -> str:
        value = value.rstrip("/")
        if value and not value.startswith("/"):
            raise ValueError("must start with '/' (or be empty)")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an absolute http(s) URL")
        return value.rstrip("/")

    @cached_property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'veogate.sqlite'}"

    @cached_property
    def resolved_system_database_url(self) -> str:
        """DBOS's own tables: given, else the job database when it is PostgreSQL (DBOS keeps
        to its `dbos` schema), else a SQLite file beside the job database."""
        if self.system_database_url:
            return self.system_database_url
        if self.database_url and not self.database_url.startswith("sqlite"):
            return self.database_url
        return f"sqlite:///{self.data_dir / 'dbos.sqlite'}"

    @property
    def objects_dir(self) -> Path:
        return self.data_dir / "objects"

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    def resolved_signing_secret(self) -> bytes:
        """The configured secret, or one generated on first use and kept in data_dir."""
        if self.signing_secret:
            if len(self.signing_secret) < 32:
                raise ValueError("VEOGATE_SIGNING_SECRET must be at least 32 characters")
            return self.signing_secret.encode()
        return _read_or_create_secret(self.data_dir / "signing.key")


def _read_or_create_secret(path: Path) -> bytes:
    """Read the secret, creating it first if needed. Processes racing to create it all end
    up with the one that was linked into place first."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_urlsafe(48).encode())
        try:
            os.link(tmp, path)  # atomic, and fails if another process got there first
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes().strip()


def get_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
