"""The canonical language every stage speaks: `JobSpec` in, `Job` and `Output` out.

Pure data and rules: nothing here does I/O. Dialects translate their wire formats into a
`JobSpec`; the pipeline hands the same `JobSpec` to a provider; the repository stores it.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

AspectRatio = Literal["16:9", "9:16"]
Resolution = Literal["720p", "1080p", "4K"]
ResizeMode = Literal["pad", "crop"]
PersonGeneration = Literal["allow_all", "allow_adult", "dont_allow"]

FPS = 24
SEED_MAX = 4_294_967_295


class JobStatus(enum.StrEnum):
    """Where a job is in its life. Terminal states never change again."""

    QUEUED = "queued"
    """Accepted and durably recorded; waiting for a worker slot."""
    RUNNING = "running"
    """A worker is generating, downloading or storing its outputs."""
    SUCCEEDED = "succeeded"
    """Every output is stored; `outputs` lists them."""
    FAILED = "failed"
    """Ended without outputs; `error_code` and `error_message` say why."""
    CANCELLED = "cancelled"
    """Stopped at the owner's request before it finished."""

    @property
    def terminal(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


def output_key(job_id: str, index: int) -> str:
    """Where output `index` of a job is stored."""
    return f"jobs/{job_id}/{index}.mp4"


class ImageInput(BaseModel):
    """An image reference as the client sent it: an http(s) URL or a data: URI.

    `field` is the client's field name (e.g. `input_reference[1]`), so that an error
    about this image can name exactly what the client sent. Once the bytes are kept in
    storage (inline images at submit, URLs when the job first runs), `stored_key` names
    them; a data: URI's `source` is then shortened to a description of what was sent.
    """

    model_config = ConfigDict(frozen=True)

    source: str
    field: str
    stored_key: str | None = None


class JobSpec(BaseModel):
    """Everything needed to produce a job's outputs, already validated against the catalog."""

    model_config = ConfigDict(frozen=True)

    public_model: str
    canonical_model: str
    prompt: str
    negative_prompt: str | None = None
    duration_seconds: int = 8
    aspect_ratio: AspectRatio = "16:9"
    resolution: Resolution = "720p"
    sample_count: int = Field(default=1, ge=1, le=4)
    seed: int = Field(ge=0, le=SEED_MAX)
    generate_audio: bool = True
    person_generation: PersonGeneration = "allow_adult"
    resize_mode: ResizeMode = "pad"
    enhance_prompt: bool = True
    first_frame: ImageInput | None = None
    last_frame: ImageInput | None = None
    reference_images: tuple[ImageInput, ...] = ()

    @property
    def mode(self) -> Literal["text", "first", "first+last", "reference"]:
        if self.reference_images:
            return "reference"
        if self.last_frame is not None:
            return "first+last"
        if self.first_frame is not None:
            return "first"
        return "text"

    def images(self) -> list[ImageInput]:
        """Every input image: first frame, last frame, then references."""
        frames = [i for i in (self.first_frame, self.last_frame) if i is not None]
        return [*frames, *self.reference_images]

    def stored_image_keys(self) -> list[str]:
        return [i.stored_key for i in self.images() if i.stored_key is not None]

    @property
    def frame_count(self) -> int:
        return self.duration_seconds * FPS


class Output(BaseModel):
    """One stored video: what was measured from the file, not what was asked."""

    index: int
    storage_key: str
    content_type: str = "video/mp4"
    size_bytes: int
    width: int
    height: int
    frame_count: int
    fps: float
    duration_seconds: float
    has_audio: bool


class Job(BaseModel):
    """A job as the state of record knows it."""

    id: str
    owner_key_id: str
    dialect: str
    spec: JobSpec
    status: JobStatus
    progress: int = 0
    provider: str
    error_code: str | None = None
    error_message: str | None = None
    warnings: list[str] = Field(default_factory=list)
    outputs: list[Output] = Field(default_factory=list)
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    files_expired_at: datetime | None = None
    deleted_at: datetime | None = None
    callback_url: str | None = None
    """Where the request asked for its terminal event to be sent."""
    upstream_operation: str | None = None
    billable_seconds: float | None = None
    """Seconds the job's key was charged for (once it ended; `veogate.ledger`)."""
    cost: float | None = None
    """Credits the job's key was charged."""

    def usage(self) -> dict[str, float] | None:
        if self.billable_seconds is None:
            return None
        return {"billable_seconds": round(self.billable_seconds, 3), "cost": self.cost or 0.0}
