"""The seam for providers that run a long operation elsewhere (Google Veo, later others).

The pipeline drives them in checkpointed steps:

    prepare(spec)        at submit, before anything is queued: reject what the host cannot do
                         (InvalidRequest) or return warnings to record on the job
    submit(...)          one step, never repeated after it finished: returns the operation name
    poll(operation)      called by the poller (`pipeline/poller.py`) until `done`; cheap, since
                         thousands of operations are looked at every few seconds
    download(sample)     writes one finished sample's MP4 bytes exactly as received

Failures are `veogate.errors` types: `ProviderError(retryable=True)` for 429/5xx/timeouts
(the pipeline retries with backoff, honouring `retry_after_seconds`), `retryable=False` for
upstream 4xx and malformed answers, `InputError` for inputs the upstream refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from veogate.jobs.model import JobSpec


@dataclass(frozen=True)
class InputImage:
    """An input image's exact bytes (PNG, JPEG or WebP) as stored with the job."""

    data: bytes
    mime_type: str


@dataclass(frozen=True)
class InputImages:
    first_frame: InputImage | None = None
    last_frame: InputImage | None = None
    references: tuple[InputImage, ...] = ()


@dataclass(frozen=True)
class SampleLocator:
    """Where one finished sample can be fetched from: a URI, or the bytes themselves
    (Vertex AI answers with the video inline)."""

    uri: str | None = None
    data: bytes | None = field(default=None, repr=False)
    mime_type: str = "video/mp4"


@dataclass(frozen=True)
class PollResult:
    done: bool
    samples: tuple[SampleLocator, ...] = ()
    filtered_count: int = 0
    filtered_reasons: tuple[str, ...] = ()
    error_code: int | None = None
    error_message: str | None = None
    progress: float | None = None
    """0..1 when the upstream reports it; None when it does not."""


@dataclass(frozen=True)
class Prepared:
    """What `prepare` decided for a spec: warnings to record (e.g. dropped fields)."""

    warnings: tuple[str, ...] = field(default_factory=tuple)


class RemoteVideoProvider(Protocol):
    name: str

    def prepare(self, spec: JobSpec) -> Prepared: ...

    async def submit(self, spec: JobSpec, images: InputImages) -> str: ...

    async def poll(self, operation: str) -> PollResult: ...

    async def download(self, sample: SampleLocator, destination: Path) -> None: ...

    async def aclose(self) -> None: ...
