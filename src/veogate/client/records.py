"""What the client hands back: frozen records read off the wire (`wire.py` builds them)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class JobStatus(enum.StrEnum):
    """Where a job is in its life; the last three are terminal."""

    QUEUED = "queued"
    """Accepted, waiting for a worker."""
    RUNNING = "running"
    """A worker is rendering it; `Job.progress` moves from 0 to 100."""
    SUCCEEDED = "succeeded"
    """Finished; `Job.outputs` holds one URL per sample."""
    FAILED = "failed"
    """Ended without a video; `Job.error` says why."""
    CANCELLED = "cancelled"
    """Cancelled before it finished."""

    @property
    def terminal(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


@dataclass(frozen=True)
class JobError:
    """Why a job failed (or `cancelled`)."""

    code: str
    message: str


@dataclass(frozen=True)
class Usage:
    """What a finished job cost its key: the seconds charged and their price in credits."""

    billable_seconds: float
    cost: float


@dataclass(frozen=True)
class Job:
    """A job as the server last showed it."""

    id: str
    status: JobStatus
    progress: int
    model: str
    prompt: str
    duration: int
    size: str
    """The output frame as `WIDTHxHEIGHT`."""
    samples: int
    created_at: datetime
    completed_at: datetime | None
    expires_at: datetime | None
    """When a succeeded job's files are deleted."""
    outputs: tuple[str, ...]
    """One download URL per sample once the job succeeded (they need the API key)."""
    error: JobError | None
    usage: Usage | None


@dataclass(frozen=True)
class JobPage:
    """One page of a key's jobs, newest first; pass `last_id` as `after` for the next."""

    jobs: tuple[Job, ...]
    has_more: bool
    last_id: str | None


@dataclass(frozen=True)
class Pricing:
    """Credits per second of output by resolution, plus `audio_per_second` with sound."""

    per_second: dict[str, float]
    audio_per_second: float


@dataclass(frozen=True)
class Model:
    """A model of the catalog and the options it takes."""

    name: str
    canonical: str
    """The name `create` takes (`veo-3.1`, `veo-3.1-fast`)."""
    resolutions: tuple[str, ...]
    durations: tuple[int, ...]
    aspect_ratios: tuple[str, ...]
    image_modes: tuple[str, ...]
    """`text`, `first`, `first+last`, `reference`."""
    max_reference_images: int
    audio: str
    """`on` (always has sound) or `as_requested`."""
    pricing: Pricing
