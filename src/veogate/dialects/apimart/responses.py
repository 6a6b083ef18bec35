"""apimart's request and response bodies, as Pydantic models (OpenAPI, and the tests that
validate real answers against them: `translate.py` and `catalog_routes.py` build them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, RootModel

from veogate.dialects.wire_model import Usage, WireModel, optional

Status = Literal["pending", "processing", "completed", "failed", "cancelled"]
ErrorType = Literal[
    "invalid_request_error", "authentication_error", "rate_limit_error", "server_error"
]


class ImageWithRole(BaseModel):
    url: str
    role: Literal["first_frame", "last_frame", "reference"]


class CreateGeneration(BaseModel):
    """`POST /v1/videos/generations`. Unknown fields are ignored and named in the task's
    warnings (one that carries an image is refused)."""

    model: str = Field(examples=["veo3.1-fast-official"])
    prompt: str = Field(max_length=4000)
    negative_prompt: str | None = None
    duration: int | None = Field(default=None, examples=[4, 6, 8])
    aspect_ratio: str | None = Field(default=None, examples=["16:9", "9:16"])
    resolution: str | None = Field(default=None, examples=["720p", "1080p", "4K"])
    size: str | None = Field(default=None, examples=["16:9", "1280x720"])
    first_frame_image: str | None = None
    last_frame_image: str | None = None
    image_urls: list[str] | None = Field(default=None, max_length=3)
    generation_type: Literal["frame", "reference"] | None = None
    image_with_roles: list[ImageWithRole] | None = None
    seed: int | None = Field(default=None, ge=0, le=4294967295)
    sample_count: int | None = Field(default=None, ge=1, le=4)
    n: int | None = Field(default=None, description="Alias of sample_count")
    number_of_videos: int | None = Field(default=None, description="Alias of sample_count")
    generate_audio: bool | None = None
    person_generation: Literal["allow_adult", "disallow"] | None = None
    resize_mode: Literal["pad", "crop"] | None = None
    enhance_prompt: bool | None = None
    callback_url: str | None = Field(default=None, description="Webhook for the terminal event")


class SubmittedTask(WireModel):
    status: Literal["submitted"]
    task_id: str = Field(examples=["task_01JD3X4K5M6N7P8Q9R0S1T2V3W"])


class ApimartSubmitted(WireModel):
    """The classic create answer."""

    code: Literal[200]
    data: list[SubmittedTask]


class TaskInfo(WireModel):
    can_cancel: bool
    estimated_time: int


class ApimartGenerationTaskData(WireModel):
    id: str
    object: Literal["generation.task"]
    model: str
    status: Status
    progress: int
    created: int
    type: Literal["video"]
    task_info: TaskInfo
    warnings: list[str] = optional()


class ApimartGenerationTask(WireModel):
    """The create answer of the current contract (`X-APIMart-Response-Version`)."""

    code: Literal[200]
    data: ApimartGenerationTaskData
    request_id: str


class ApimartCreated(RootModel[ApimartSubmitted | ApimartGenerationTask]):
    """The create answer: classic, or the current contract's when the request asks for it."""


class ApimartResultVideo(WireModel):
    url: list[str] = Field(min_length=1, max_length=1)
    expires_at: int


class ApimartResult(WireModel):
    videos: list[ApimartResultVideo]
    expired: bool = optional()


class ApimartTaskError(WireModel):
    code: int
    message: str
    type: ErrorType


class ApimartTaskData(WireModel):
    id: str
    status: Status
    progress: int
    created: int
    estimated_time: int
    warnings: list[str] = optional()
    usage: Usage = optional()
    result: ApimartResult = optional()
    completed: int = optional()
    actual_time: int = optional()
    error: ApimartTaskError = optional()


class ApimartTask(WireModel):
    """A status read (and a cancel)."""

    code: Literal[200]
    data: ApimartTaskData


class ApimartErrorDetail(WireModel):
    message: str
    type: ErrorType
    code: str
    param: str | None


class ApimartError(WireModel):
    code: int
    error: ApimartErrorDetail


class ApimartModel(WireModel):
    id: str
    canonical: str = Field(
        description="veogate's: the canonical model (the name the OpenAI dialect takes)."
    )
    object: Literal["model"]
    type: Literal["video"]
    owned_by: str
    operations: list[str]
    resolutions: list[str]
    durations: list[int]
    aspect_ratios: list[str]
    sizes: list[str]
    image_modes: list[str]
    max_reference_images: int
    audio: Literal["on", "as_requested"]
    pricing: Pricing


class Pricing(WireModel):
    """What the model costs here (`docs/relay.md`): a job reserves duration x samples x
    price on accept and is charged for the seconds delivered."""

    unit: Literal["credits_per_second"]
    per_second: dict[str, float] = Field(description="By resolution, without audio.")
    audio_per_second: float = Field(description="Added per second when the output has sound.")


class ModelList(WireModel):
    object: Literal["list"]
    data: list[ApimartModel]


class ModelSchema(WireModel):
    model: str
    operation: str
    input_schema: dict[str, Any] = Field(description="JSON Schema (draft 2020-12)")


class ModelDocs(WireModel):
    object: Literal["model.documentation"]
    model: str
    doc_url: str
    markdown_url: str
    markdown: str
    fetched_at: int
    cache_ttl_seconds: int
    stale: bool


class ApimartUpload(WireModel):
    url: str
    filename: str
    content_type: str
    bytes: int
    width: int
    height: int
    created_at: int
    expires_at: int


class UploadForm(BaseModel):
    """`multipart/form-data` with the image as its `file` part."""

    file: bytes = Field(json_schema_extra={"format": "binary"})
