"""How veogate speaks Veo: `JobSpec` + `InputImages` to google-genai types, operations to
`PollResult`. Pure mapping, no I/O; the hosts in `client.py` decide who is called.

    JobSpec field        GenerateVideos*          wire (instances[0] / parameters)   Gemini API
    prompt               source.prompt            instances[0].prompt                 sent
    first frame image    source.image             instances[0].image                  sent
    last frame image     config.last_frame        instances[0].lastFrame              sent
    reference images     config.reference_images  instances[0].referenceImages       sent
                         (reference_type asset)     [{image, referenceType}]
    negative_prompt      negative_prompt          parameters.negativePrompt           sent
    duration_seconds     duration_seconds         parameters.durationSeconds          sent
    aspect_ratio         aspect_ratio             parameters.aspectRatio              sent
    resolution           resolution (4K -> 4k)    parameters.resolution               sent
    sample_count         number_of_videos         parameters.sampleCount              sent
    person_generation    person_generation        parameters.personGeneration         sent
    enhance_prompt       enhance_prompt           parameters.enhancePrompt            sent
    seed                 seed                     parameters.seed                     dropped
    generate_audio       generate_audio           parameters.generateAudio            dropped
    resize_mode          resize_mode              parameters.resizeMode               dropped

Images travel inline: their exact bytes, base64-encoded, with their detected mime type.
What a host cannot take is data (`HostFeatures`), applied in one place (`build_request`), and
`dropped_field_warnings` says so in words recorded on the job: a dropped field is never sent.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

from google.genai import types

from veogate.errors import InputError, ProviderError
from veogate.jobs.model import JobSpec
from veogate.providers.remote import InputImage, InputImages, PollResult, SampleLocator

_RESOLUTIONS = {"720p": "720p", "1080p": "1080p", "4K": "4k"}
_GEMINI_FILE_ID = re.compile(r"files/([a-z0-9]+)")


@dataclass(frozen=True)
class HostFeatures:
    """Which optional request fields a host accepts."""

    seed: bool
    generate_audio_toggle: bool
    """False: the host always generates audio and refuses the field."""
    resize_mode: bool


GEMINI_API_FEATURES = HostFeatures(seed=False, generate_audio_toggle=False, resize_mode=False)
VERTEX_FEATURES = HostFeatures(seed=True, generate_audio_toggle=True, resize_mode=True)


@dataclass(frozen=True)
class VideoRequest:
    """One `generate_videos` call, in the SDK's own types."""

    source: types.GenerateVideosSource
    config: types.GenerateVideosConfig


def dropped_field_warnings(spec: JobSpec, features: HostFeatures, host: str) -> tuple[str, ...]:
    """What `build_request` leaves out for this host, as warnings to record on the job."""
    warnings = []
    if not features.seed:
        warnings.append(f"seed is not supported by the {host}; dropped")
    if not features.generate_audio_toggle and not spec.generate_audio:
        warnings.append(f"generate_audio=false is not supported: the {host} always generates audio")
    has_frames = spec.first_frame is not None or spec.last_frame is not None
    if not features.resize_mode and has_frames:
        warnings.append(
            f"resize_mode is not supported by the {host}; dropped (the upstream fits the image)"
        )
    return tuple(warnings)


def _image(image: InputImage) -> types.Image:
    return types.Image(image_bytes=image.data, mime_type=image.mime_type)


def _checked_images(spec: JobSpec, images: InputImages) -> InputImages:
    for name, wanted, given in (
        ("first_frame", spec.first_frame, images.first_frame),
        ("last_frame", spec.last_frame, images.last_frame),
    ):
        if wanted is not None and given is None:
            raise InputError(f"the {name} image was not resolved", param=wanted.field)
    if len(images.references) != len(spec.reference_images):
        raise InputError(
            f"{len(spec.reference_images)} reference images were asked, "
            f"{len(images.references)} resolved",
            param="reference_images",
        )
    return images


def build_request(spec: JobSpec, images: InputImages, features: HostFeatures) -> VideoRequest:
    images = _checked_images(spec, images)
    first = images.first_frame if spec.first_frame is not None else None
    last = images.last_frame if spec.last_frame is not None else None
    source = types.GenerateVideosSource(
        prompt=spec.prompt, image=_image(first) if first is not None else None
    )
    references = [
        types.VideoGenerationReferenceImage(
            image=_image(ref), reference_type=types.VideoGenerationReferenceType.ASSET
        )
        for ref in images.references
    ]
    config = types.GenerateVideosConfig(
        number_of_videos=spec.sample_count,
        duration_seconds=spec.duration_seconds,
        aspect_ratio=spec.aspect_ratio,
        resolution=_RESOLUTIONS[spec.resolution],
        person_generation=spec.person_generation,
        negative_prompt=spec.negative_prompt or None,
        enhance_prompt=spec.enhance_prompt,
        last_frame=_image(last) if last is not None else None,
        reference_images=references or None,
        seed=spec.seed if features.seed else None,
        generate_audio=spec.generate_audio if features.generate_audio_toggle else None,
        resize_mode=(
            types.ImageResizeMode(spec.resize_mode.upper())
            if features.resize_mode and first is not None
            else None
        ),
    )
    return VideoRequest(source=source, config=config)


# Parameters the Gemini API accepts, by GenerateVideosConfig attribute.
_GEMINI_PARAMETERS = (
    ("number_of_videos", "sampleCount"),
    ("duration_seconds", "durationSeconds"),
    ("aspect_ratio", "aspectRatio"),
    ("resolution", "resolution"),
    ("person_generation", "personGeneration"),
    ("negative_prompt", "negativePrompt"),
    ("enhance_prompt", "enhancePrompt"),
)


def _image_json(image: types.Image) -> dict[str, str]:
    data = base64.b64encode(image.image_bytes or b"").decode("ascii")
    return {"bytesBase64Encoded": data, "mimeType": image.mime_type or "image/png"}


def gemini_api_body(request: VideoRequest) -> dict[str, Any]:
    """The `predictLongRunning` JSON body for the Gemini API.

    google-genai 3.x refuses `generate_videos` on the Gemini API before sending anything, so
    this is the body its 1.x/2.x releases sent. Only `_GEMINI_PARAMETERS` are ever written.
    """
    source, config = request.source, request.config
    instance: dict[str, Any] = {"prompt": source.prompt}
    if source.image is not None:
        instance["image"] = _image_json(source.image)
    if config.last_frame is not None:
        instance["lastFrame"] = _image_json(config.last_frame)
    if config.reference_images:
        instance["referenceImages"] = [
            {
                "image": _image_json(ref.image or types.Image()),
                "referenceType": (ref.reference_type or "asset").lower(),
            }
            for ref in config.reference_images
        ]
    parameters = {
        wire: getattr(config, attribute)
        for attribute, wire in _GEMINI_PARAMETERS
        if getattr(config, attribute) is not None
    }
    return {"instances": [instance], "parameters": parameters}


def gemini_file_id(uri: str) -> str | None:
    """The file id in a Gemini API download URI (`.../files/{id}:download?alt=media`)."""
    match = _GEMINI_FILE_ID.search(uri)
    return match.group(1) if match else None


def progress(metadata: dict[str, Any] | None) -> float | None:
    """0..1 from the operation's `metadata.progressPercent`, when Google gives it."""
    value = (metadata or {}).get("progressPercent")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return min(max(float(value) / 100.0, 0.0), 1.0)
    return None


def _sample(video: types.Video) -> SampleLocator:
    mime_type = video.mime_type or "video/mp4"
    if video.video_bytes:
        return SampleLocator(data=video.video_bytes, mime_type=mime_type)
    if video.uri:
        return SampleLocator(uri=video.uri, mime_type=mime_type)
    raise ProviderError("a generated sample has neither a URI nor bytes", retryable=False)


def poll_result(operation: types.GenerateVideosOperation) -> PollResult:
    if not operation.done:
        return PollResult(done=False, progress=progress(operation.metadata))
    if operation.error is not None:
        code = operation.error.get("code")
        message = operation.error.get("message") or "the operation failed"
        return PollResult(
            done=True,
            error_code=code if isinstance(code, int) else None,
            error_message=str(message),
        )
    response = operation.response
    if response is None:
        raise ProviderError(
            "the operation finished with neither a response nor an error", retryable=False
        )
    samples = tuple(
        _sample(generated.video)
        for generated in response.generated_videos or ()
        if generated.video is not None
    )
    return PollResult(
        done=True,
        samples=samples,
        filtered_count=response.rai_media_filtered_count or 0,
        filtered_reasons=tuple(response.rai_media_filtered_reasons or ()),
        progress=1.0,
    )
