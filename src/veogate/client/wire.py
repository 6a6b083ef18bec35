"""How the client speaks to veogate, with no I/O: each operation is a generator that yields
the requests it needs (`Call`) and receives their answers (`Answer`), so the sync and the
async client drive the same code (`transport.py`).

The wire (docs/client.md): the OpenAI Videos dialect for jobs (`POST /v1/videos`, `GET
/v1/videos[/{id}]`, `GET /v1/videos/{id}/content`), as its model names are the canonical ones
and it takes every image mode; apimart's routes for what that dialect lacks (`POST
/v1/tasks/{id}/cancel`, `POST /v1/uploads/images`, `GET /v1/models`). Job ids work in every
dialect, so one id serves all of them.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

from veogate.client.errors import BadRequest
from veogate.client.images import ImageSource, Upload, prepare
from veogate.client.records import (
    Job,
    JobError,
    JobPage,
    JobStatus,
    Model,
    Pricing,
    Usage,
)

T = TypeVar("T")

SIZES = {
    ("720p", "16:9"): "1280x720",
    ("720p", "9:16"): "720x1280",
    ("1080p", "16:9"): "1920x1080",
    ("1080p", "9:16"): "1080x1920",
    ("4K", "16:9"): "3840x2160",
    ("4K", "9:16"): "2160x3840",
}
"""(resolution, aspect ratio) -> the OpenAI dialect's `size`."""
DEFAULT_RESOLUTION, DEFAULT_ASPECT_RATIO = "720p", "16:9"

# The OpenAI dialect's field -> the client's argument, for the `param` of create errors.
_PARAMS = {
    "seconds": "duration",
    "n": "samples",
    "generate_audio": "audio",
    "input_reference": "first_frame",
    "input_reference[image_url]": "first_frame",
    "last_frame[image_url]": "last_frame",
}
_STATUSES = {
    "queued": JobStatus.QUEUED,
    "in_progress": JobStatus.RUNNING,
    "completed": JobStatus.SUCCEEDED,
    "failed": JobStatus.FAILED,
}


@dataclass(frozen=True)
class Call:
    """One HTTP request, relative to the server's base URL."""

    method: str
    path: str
    params: Mapping[str, str | int] = field(default_factory=dict)
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    upload: Upload | None = None
    """Sent as the `file` part of a multipart body."""
    params_renamed: Mapping[str, str] = field(default_factory=dict)
    """The server's `param` -> the client's, for errors."""


@dataclass(frozen=True)
class Answer:
    """A successful answer: its JSON body and headers."""

    body: Any
    headers: Mapping[str, str]


Steps = Generator[Call, Answer, T]


@dataclass(frozen=True)
class CreateOptions:
    """Every option of a create, in the client's words (see `Client.create`)."""

    prompt: str
    model: str
    negative_prompt: str | None = None
    duration: int | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None
    samples: int | None = None
    seed: int | None = None
    audio: bool | None = None
    first_frame: ImageSource | None = None
    last_frame: ImageSource | None = None
    reference_images: Sequence[ImageSource] = ()
    person_generation: str | None = None
    resize_mode: str | None = None
    idempotency_key: str | None = None


def create(options: CreateOptions, base_url: str) -> Steps[Job]:
    """Upload local images, then create the job."""
    size = _size(options.resolution, options.aspect_ratio)
    body: dict[str, Any] = {"model": options.model, "prompt": options.prompt}
    optional = {
        "negative_prompt": options.negative_prompt,
        "seconds": options.duration,
        "size": size,
        "n": options.samples,
        "seed": options.seed,
        "generate_audio": options.audio,
        "person_generation": options.person_generation,
        "resize_mode": options.resize_mode,
    }
    body.update({name: value for name, value in optional.items() if value is not None})
    if options.first_frame is not None:
        url = yield from _image(options.first_frame, "first_frame")
        body["input_reference"] = {"image_url": url}
    if options.last_frame is not None:
        url = yield from _image(options.last_frame, "last_frame")
        body["last_frame"] = {"image_url": url}
    references = []
    for index, image in enumerate(options.reference_images):
        references.append({"image_url": (yield from _image(image, f"reference_images[{index}]"))})
    if references:
        body["reference_images"] = references
    key = options.idempotency_key
    headers = {} if key is None else {"Idempotency-Key": key}
    answer = yield Call("POST", "/v1/videos", json=body, headers=headers, params_renamed=_PARAMS)
    return job_of(answer.body, base_url)


def _image(source: ImageSource, param: str) -> Steps[str]:
    """The URL to send for one image argument (`param`), uploading it first if local."""
    prepared = prepare(source, param)
    if isinstance(prepared, str):
        return prepared
    answer = yield Call(
        "POST", "/v1/uploads/images", upload=prepared, params_renamed={"file": param}
    )
    url = answer.body.get("url") if isinstance(answer.body, dict) else None
    if not isinstance(url, str):
        raise BadRequest("the upload's answer has no url", code="bad_answer", param=param)
    return url


def _size(resolution: str | None, aspect_ratio: str | None) -> str | None:
    if resolution is None and aspect_ratio is None:
        return None
    wanted = (
        _canonical_resolution(resolution or DEFAULT_RESOLUTION),
        aspect_ratio or DEFAULT_ASPECT_RATIO,
    )
    if wanted[0] not in {r for r, _ in SIZES}:
        raise BadRequest(
            f"resolution must be one of 720p, 1080p, 4K (got {resolution!r})",
            code="invalid_resolution",
            param="resolution",
        )
    if wanted not in SIZES:
        raise BadRequest(
            f"aspect_ratio must be 16:9 or 9:16 (got {aspect_ratio!r})",
            code="invalid_aspect_ratio",
            param="aspect_ratio",
        )
    return SIZES[wanted]


def _canonical_resolution(resolution: str) -> str:
    return "4K" if resolution.lower() == "4k" else resolution.lower()


def get(job_id: str, base_url: str) -> Steps[Job]:
    answer = yield Call("GET", f"/v1/videos/{_segment(job_id)}")
    return job_of(answer.body, base_url)


def poll(job_id: str, base_url: str) -> Steps[tuple[Job, float]]:
    """The job and how long to wait before reading it again (the server's hint)."""
    answer = yield Call("GET", f"/v1/videos/{_segment(job_id)}")
    hint = answer.headers.get("openai-poll-after-ms", "")
    delay = int(hint) / 1000 if hint.isdigit() else 1.0
    return job_of(answer.body, base_url), min(max(delay, 0.5), 10.0)


def cancel(job_id: str, base_url: str) -> Steps[Job]:
    yield Call("POST", f"/v1/tasks/{_segment(job_id)}/cancel")
    return (yield from get(job_id, base_url))


def list_jobs(limit: int, after: str | None, base_url: str) -> Steps[JobPage]:
    params: dict[str, str | int] = {"limit": limit}
    if after is not None:
        params["after"] = after
    answer = yield Call("GET", "/v1/videos", params=params)
    body = answer.body
    return JobPage(
        jobs=tuple(job_of(item, base_url) for item in body["data"]),
        has_more=bool(body["has_more"]),
        last_id=body.get("last_id"),
    )


def models() -> Steps[tuple[Model, ...]]:
    answer = yield Call("GET", "/v1/models")
    return tuple(_model(entry) for entry in answer.body["data"])


def content_call(job_id: str, sample: int) -> Call:
    """A succeeded job's video (stream it: it is megabytes)."""
    return Call("GET", f"/v1/videos/{_segment(job_id)}/content", params={"index": sample})


def events_call(job_id: str, last_event_id: str | None) -> Call:
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    return Call("GET", f"/v1/jobs/{_segment(job_id)}/events", headers=headers)


def _segment(job_id: str) -> str:
    return quote(job_id, safe="")


def job_of(video: Mapping[str, Any], base_url: str) -> Job:
    """A Job from an OpenAI Video object."""
    error = video.get("error")
    status = _STATUSES[video["status"]]
    if status is JobStatus.FAILED and error and error.get("code") == "cancelled":
        status = JobStatus.CANCELLED
    samples = int(video.get("n", 1))
    outputs: tuple[str, ...] = ()
    if status is JobStatus.SUCCEEDED:
        path = f"{base_url}/v1/videos/{_segment(video['id'])}/content"
        outputs = tuple(f"{path}?index={index}" for index in range(samples))
    usage = video.get("usage")
    return Job(
        id=video["id"],
        status=status,
        progress=int(video["progress"]),
        model=video["model"],
        prompt=video["prompt"],
        duration=int(video["seconds"]),
        size=video["size"],
        samples=samples,
        created_at=_moment(video["created_at"]),
        completed_at=_optional_moment(video.get("completed_at")),
        expires_at=_optional_moment(video.get("expires_at")),
        outputs=outputs,
        error=None if not error else JobError(error["code"], error["message"]),
        usage=None if not usage else Usage(usage["billable_seconds"], usage["cost"]),
    )


def _moment(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


def _optional_moment(unix: int | None) -> datetime | None:
    return None if unix is None else _moment(unix)


def _model(entry: Mapping[str, Any]) -> Model:
    pricing = entry["pricing"]
    return Model(
        name=entry["id"],
        canonical=entry.get("canonical", entry["id"]),
        resolutions=tuple(entry["resolutions"]),
        durations=tuple(entry["durations"]),
        aspect_ratios=tuple(entry["aspect_ratios"]),
        image_modes=tuple(entry["image_modes"]),
        max_reference_images=int(entry["max_reference_images"]),
        audio=entry["audio"],
        pricing=Pricing(dict(pricing["per_second"]), float(pricing["audio_per_second"])),
    )
