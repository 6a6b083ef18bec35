"""kyy's request and response bodies, as Pydantic models (OpenAPI, and the tests that
validate real answers against them: `translate.py` builds the bodies)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from veogate.dialects.wire_model import Usage, WireModel, optional

Status = Literal["queued", "processing", "completed", "failed"]


class KyyCreateVideo(BaseModel):
    """`POST /v1/veo/videos`. Unknown fields are ignored and named in the job's warnings
    (one that carries an image is refused)."""

    model: str = Field(examples=["veo_3_1_fast"])
    prompt: str = Field(max_length=4000)
    resolution: str | None = Field(default=None, examples=["720p", "1080p", "4K"])
    aspect_ratio: str | None = Field(default=None, examples=["16:9", "9:16"])
    input_reference: list[str] | None = Field(
        default=None, max_length=3, description="Reference images: URLs or data: URIs"
    )
    image_urls: list[str] | None = Field(default=None, description="Alias of input_reference")
    first_image: str | None = None
    last_image: str | None = Field(default=None, description="Requires first_image")
    callback_url: str | None = Field(default=None, description="Webhook for the terminal event")


class KyyVideo(WireModel):
    """The create answer."""

    id: str = Field(examples=["vgen_01jd3x4k5m6n7p8q9r0s1t2v3w"])
    object: Literal["video"]
    created: int
    model: str
    status: Status


class KyyVideoStatus(KyyVideo):
    """A status read (and a cancel)."""

    progress: int
    video_url: str | None
    error: str | None
    warnings: list[str] = optional()
    usage: Usage = optional()
    actualDuration: float = optional()
    expires_at: int = optional()
    video_expired: bool = optional()
    message: str = optional()


class KyyError(WireModel):
    error: str
    code: str
    param: str | None
