"""The Gemini API and Vertex AI request and response bodies, as Pydantic models (OpenAPI,
and the tests that validate real answers against them: `translate.py` and `videos.py`
build the bodies)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from veogate.dialects.wire_model import Usage, WireModel, optional


class GoogleImage(BaseModel):
    bytesBase64Encoded: str | None = None
    mimeType: str | None = None
    gcsUri: str | None = Field(default=None, description="An http(s) URL or a veogate upload URL")
    uri: str | None = Field(default=None, description="An http(s) URL or a veogate upload URL")


class ReferenceImage(BaseModel):
    image: GoogleImage
    referenceType: Literal["asset", "ASSET"] | None = None


class Instance(BaseModel):
    prompt: str = Field(max_length=4000)
    image: GoogleImage | None = Field(default=None, description="First frame")
    lastFrame: GoogleImage | None = None
    referenceImages: list[ReferenceImage] | None = Field(default=None, max_length=3)


class Parameters(BaseModel):
    aspectRatio: str | None = Field(default=None, examples=["16:9", "9:16"])
    resolution: str | None = Field(default=None, examples=["720p", "1080p", "4k"])
    durationSeconds: int | None = Field(default=None, examples=[4, 6, 8])
    negativePrompt: str | None = None
    personGeneration: str | None = Field(default=None, examples=["allow_adult"])
    sampleCount: int | None = Field(default=None, ge=1, le=4)
    enhancePrompt: bool | None = None
    seed: int | None = Field(default=None, ge=0, le=4294967295)
    generateAudio: bool | None = None
    resizeMode: str | None = Field(default=None, examples=["pad", "crop"])
    storageUri: str | None = Field(
        default=None, description="Vertex AI only: answer video URLs instead of inline bytes"
    )
    compressionQuality: str | None = Field(
        default=None, description="Vertex AI only: accepted and ignored"
    )


class PredictLongRunning(BaseModel):
    """`POST .../models/{model}:predictLongRunning`: one instance; the model is the path's.
    Unknown fields are refused by name."""

    instances: list[Instance] = Field(min_length=1, max_length=1)
    parameters: Parameters | None = None


class OperationName(WireModel):
    """The create answer: the operation to poll."""

    name: str = Field(examples=["models/veo-3.1-generate-preview/operations/01jd3x4k5m6n7p8q"])


class Progress(WireModel):
    """An operation's `metadata`: its progress, and once it ended what it cost (veogate's)."""

    progressPercent: int
    usage: Usage = optional(description="The seconds and credits charged, once it ended.")


class OperationError(WireModel):
    code: int = Field(description="A google.rpc.Code: 1 cancelled, 3, 4, 5, 13")
    message: str


class VideoUri(WireModel):
    uri: str


class GeneratedSample(WireModel):
    video: VideoUri


class GenerateVideoResponse(WireModel):
    generatedSamples: list[GeneratedSample] = optional()
    raiMediaFilteredCount: int
    raiMediaFilteredReasons: list[str] = optional()


class GeminiResponse(WireModel):
    type: Literal[
        "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse"
    ] = Field(alias="@type")
    generateVideoResponse: GenerateVideoResponse


class GeminiOperation(WireModel):
    """`GET .../operations/{opid}`: running (`metadata`), done with videos (`response`) or
    ended without (`error`)."""

    name: str
    done: bool
    metadata: Progress = optional()
    response: GeminiResponse = optional()
    error: OperationError = optional()


class VertexVideo(WireModel):
    mimeType: Literal["video/mp4"]
    bytesBase64Encoded: str = optional()
    gcsUri: str = optional(description="An absolute signed veogate URL")


class VertexResponse(WireModel):
    type: Literal["type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"] = Field(
        alias="@type"
    )
    raiMediaFilteredCount: int
    raiMediaFilteredReasons: list[str] = optional()
    videos: list[VertexVideo]


class VertexOperation(WireModel):
    """`POST ...:fetchPredictOperation`: videos inline, or as URLs when the create set
    `parameters.storageUri`."""

    name: str
    done: bool
    metadata: Progress = optional()
    response: VertexResponse = optional()
    error: OperationError = optional()


class FetchOperation(BaseModel):
    operationName: str = Field(description="The name predictLongRunning answered")


class GoogleCancelled(WireModel):
    """`POST .../operations/{opid}:cancel`: an empty object."""


class FieldViolation(WireModel):
    field: str
    description: str


class BadRequest(WireModel):
    type: Literal["type.googleapis.com/google.rpc.BadRequest"] = Field(alias="@type")
    fieldViolations: list[FieldViolation]


class GoogleErrorStatus(WireModel):
    code: int
    message: str
    status: str = Field(examples=["INVALID_ARGUMENT", "NOT_FOUND", "RESOURCE_EXHAUSTED"])
    details: list[BadRequest] = optional()


class GoogleError(WireModel):
    error: GoogleErrorStatus
