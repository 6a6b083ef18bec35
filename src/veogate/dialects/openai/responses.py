"""The OpenAI Videos request and response bodies, as Pydantic models (OpenAPI, and the
tests that validate real answers against them: `translate.py` builds the bodies)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from veogate.dialects.wire_model import Usage, WireModel, optional


class OpenAIImageReference(BaseModel):
    image_url: str = Field(description="A URL or a data: URI")


class OpenAICreateVideo(BaseModel):
    """`POST /v1/videos`, as multipart/form-data (what the SDK sends; nested fields
    flattened with brackets, `input_reference` may be a file part) or JSON."""

    model: str = Field(examples=["veo-3.1", "veo-3.1-fast"])
    prompt: str = Field(max_length=4000)
    seconds: Literal["4", "6", "8"] | int | None = None
    size: str | None = Field(default=None, examples=["1280x720", "1080x1920"])
    input_reference: OpenAIImageReference | None = Field(default=None, description="First frame")
    last_frame: OpenAIImageReference | None = None
    reference_images: list[OpenAIImageReference] | None = Field(default=None, max_length=3)
    negative_prompt: str | None = None
    seed: int | None = Field(default=None, ge=0, le=4294967295)
    generate_audio: bool | None = None
    person_generation: Literal["allow_all", "allow_adult", "dont_allow"] | None = None
    resize_mode: Literal["pad", "crop"] | None = None
    n: int | None = Field(default=None, ge=1, le=4)


class OpenAIVideoError(WireModel):
    code: str
    message: str


class OpenAIVideo(WireModel):
    """The OpenAIVideo object: every create, retrieve and list item."""

    id: str = Field(examples=["video_01jd3x4k5m6n7p8q9r0s1t2v3w"])
    object: Literal["video"]
    model: str
    status: Literal["queued", "in_progress", "completed", "failed"]
    progress: int
    created_at: int
    completed_at: int | None
    expires_at: int | None
    prompt: str
    seconds: str
    size: str
    n: int = Field(description="veogate's: the samples asked for (`?index=` 0 to n-1 on content).")
    remixed_from_video_id: None
    error: OpenAIVideoError | None
    usage: Usage | None = optional(
        description="veogate's: the seconds and credits charged, once the video ended."
    )


class OpenAIVideoList(WireModel):
    object: Literal["list"]
    data: list[OpenAIVideo]
    first_id: str | None
    last_id: str | None
    has_more: bool


class OpenAIVideoDeleted(WireModel):
    id: str
    object: Literal["video.deleted"]
    deleted: Literal[True]


class OpenAIErrorDetail(WireModel):
    message: str
    type: Literal[
        "invalid_request_error",
        "authentication_error",
        "insufficient_quota",
        "rate_limit_error",
        "server_error",
    ]
    param: str | None
    code: str


class OpenAIError(WireModel):
    error: OpenAIErrorDetail
