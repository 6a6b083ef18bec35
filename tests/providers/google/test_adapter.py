"""The Veo wire mapping, checked without any I/O."""

from __future__ import annotations

from typing import Any

import pytest
from google.genai import types

from tests.providers.google.specs import b64, frames_spec, make_spec
from veogate.errors import InputError, ProviderError
from veogate.jobs.model import ImageInput
from veogate.providers.google import adapter
from veogate.providers.google.adapter import GEMINI_API_FEATURES, VERTEX_FEATURES
from veogate.providers.remote import InputImage, InputImages, SampleLocator

FIRST = InputImage(b"\x89PNG first", "image/png")
LAST = InputImage(b"\xff\xd8\xff last", "image/jpeg")
REFS = (InputImage(b"RIFF ref0", "image/webp"), InputImage(b"\x89PNG ref1", "image/png"))


def test_every_field_maps_to_the_sdk_config_for_vertex() -> None:
    spec = frames_spec(
        negative_prompt="no text",
        duration_seconds=6,
        aspect_ratio="9:16",
        resolution="1080p",
        sample_count=3,
        generate_audio=False,
        person_generation="dont_allow",
        resize_mode="crop",
        enhance_prompt=False,
    )
    request = adapter.build_request(
        spec, InputImages(first_frame=FIRST, last_frame=LAST), VERTEX_FEATURES
    )
    source, config = request.source, request.config
    assert source.prompt == "a lighthouse at dusk"
    assert source.image == types.Image(image_bytes=FIRST.data, mime_type="image/png")
    assert config.last_frame == types.Image(image_bytes=LAST.data, mime_type="image/jpeg")
    assert config.reference_images is None
    assert (config.negative_prompt, config.duration_seconds, config.aspect_ratio) == (
        "no text",
        6,
        "9:16",
    )
    assert (config.resolution, config.number_of_videos, config.seed) == ("1080p", 3, 1234)
    assert (config.generate_audio, config.person_generation, config.enhance_prompt) == (
        False,
        "dont_allow",
        False,
    )
    assert config.resize_mode == types.ImageResizeMode.CROP


def test_gemini_features_leave_seed_audio_and_resize_mode_out() -> None:
    spec = frames_spec(generate_audio=False, resize_mode="crop")
    request = adapter.build_request(
        spec, InputImages(first_frame=FIRST, last_frame=LAST), GEMINI_API_FEATURES
    )
    assert request.config.seed is None
    assert request.config.generate_audio is None
    assert request.config.resize_mode is None


def test_4k_is_sent_lowercase_and_empty_negative_prompt_is_omitted() -> None:
    request = adapter.build_request(
        make_spec(resolution="4K", negative_prompt=""), InputImages(), VERTEX_FEATURES
    )
    assert request.config.resolution == "4k"
    assert request.config.negative_prompt is None
    assert request.config.resize_mode is None  # only meaningful with an input image


def test_reference_images_are_assets_in_order() -> None:
    spec = make_spec(
        reference_images=(
            ImageInput(source="data:,", field="input_reference[0]"),
            ImageInput(source="data:,", field="input_reference[1]"),
        )
    )
    request = adapter.build_request(spec, InputImages(references=REFS), VERTEX_FEATURES)
    refs = request.config.reference_images or []
    assert [r.image.image_bytes for r in refs if r.image] == [r.data for r in REFS]
    assert [r.image.mime_type for r in refs if r.image] == ["image/webp", "image/png"]
    assert {r.reference_type for r in refs} == {types.VideoGenerationReferenceType.ASSET}
    assert request.source.image is None


def test_missing_resolved_images_name_the_field() -> None:
    with pytest.raises(InputError) as caught:
        adapter.build_request(frames_spec(), InputImages(first_frame=FIRST), VERTEX_FEATURES)
    assert caught.value.param == "last_image"
    spec = make_spec(reference_images=(ImageInput(source="data:,", field="ref"),))
    with pytest.raises(InputError):
        adapter.build_request(spec, InputImages(), VERTEX_FEATURES)


def test_gemini_api_body_has_the_documented_shape() -> None:
    spec = frames_spec(negative_prompt="blur", resolution="4K", sample_count=2, resize_mode="crop")
    request = adapter.build_request(
        spec, InputImages(first_frame=FIRST, last_frame=LAST), GEMINI_API_FEATURES
    )
    assert adapter.gemini_api_body(request) == {
        "instances": [
            {
                "prompt": "a lighthouse at dusk",
                "image": {"bytesBase64Encoded": b64(FIRST.data), "mimeType": "image/png"},
                "lastFrame": {"bytesBase64Encoded": b64(LAST.data), "mimeType": "image/jpeg"},
            }
        ],
        "parameters": {
            "sampleCount": 2,
            "durationSeconds": 8,
            "aspectRatio": "16:9",
            "resolution": "4k",
            "personGeneration": "allow_adult",
            "negativePrompt": "blur",
            "enhancePrompt": True,
        },
    }


def test_gemini_api_body_never_carries_vertex_only_parameters() -> None:
    # Even a request built with Vertex features loses them on the Gemini wire.
    request = adapter.build_request(frames_spec(), InputImages(FIRST, LAST), VERTEX_FEATURES)
    parameters = adapter.gemini_api_body(request)["parameters"]
    assert not {"seed", "generateAudio", "resizeMode"} & parameters.keys()


def test_gemini_api_body_reference_images() -> None:
    spec = make_spec(reference_images=(ImageInput(source="data:,", field="r"),))
    request = adapter.build_request(spec, InputImages(references=REFS[:1]), GEMINI_API_FEATURES)
    instance = adapter.gemini_api_body(request)["instances"][0]
    assert instance["referenceImages"] == [
        {
            "image": {"bytesBase64Encoded": b64(REFS[0].data), "mimeType": "image/webp"},
            "referenceType": "asset",
        }
    ]


def test_dropped_field_warnings() -> None:
    host = "Gemini API"
    assert adapter.dropped_field_warnings(make_spec(), GEMINI_API_FEATURES, host) == (
        "seed is not supported by the Gemini API; dropped",
    )
    warnings = adapter.dropped_field_warnings(
        frames_spec(generate_audio=False), GEMINI_API_FEATURES, host
    )
    assert len(warnings) == 3
    assert "always generates audio" in warnings[1]
    assert warnings[2].startswith("resize_mode is not supported by the Gemini API")
    assert adapter.dropped_field_warnings(frames_spec(), VERTEX_FEATURES, "Vertex AI") == ()


def test_gemini_file_id() -> None:
    uri = "https://generativelanguage.googleapis.com/v1beta/files/abc123:download?alt=media"
    assert adapter.gemini_file_id(uri) == "abc123"
    assert adapter.gemini_file_id("files/xyz9") == "xyz9"
    assert adapter.gemini_file_id("gs://bucket/a.mp4") is None


def operation(payload: dict[str, Any], *, vertex: bool) -> types.GenerateVideosOperation:
    return types.GenerateVideosOperation.from_api_response(payload, is_vertex_ai=vertex)


def test_running_operation_reports_progress() -> None:
    op = operation({"name": "n", "done": False, "metadata": {"progressPercent": 40}}, vertex=False)
    result = adapter.poll_result(op)
    assert (result.done, result.progress) == (False, 0.4)
    assert adapter.poll_result(operation({"name": "n"}, vertex=True)).progress is None


def test_gemini_done_operation_with_partial_filtering() -> None:
    uri = "https://g/v1beta/files/f1:download?alt=media"
    response = {
        "generateVideoResponse": {
            "generatedSamples": [{"video": {"uri": uri}}],
            "raiMediaFilteredCount": 1,
            "raiMediaFilteredReasons": ["celebrity"],
        }
    }
    result = adapter.poll_result(
        operation({"name": "n", "done": True, "response": response}, vertex=False)
    )
    assert result.done
    assert result.samples == (SampleLocator(uri=uri),)
    assert (result.filtered_count, result.filtered_reasons) == (1, ("celebrity",))


def test_vertex_done_operation_with_inline_bytes_and_full_filtering() -> None:
    video = {"bytesBase64Encoded": b64(b"mp4!"), "mimeType": "video/mp4"}
    done = operation(
        {"name": "n", "done": True, "response": {"videos": [video], "raiMediaFilteredCount": 0}},
        vertex=True,
    )
    assert adapter.poll_result(done).samples == (SampleLocator(data=b"mp4!"),)
    filtered = operation(
        {
            "name": "n",
            "done": True,
            "response": {"raiMediaFilteredCount": 2, "raiMediaFilteredReasons": ["a", "b"]},
        },
        vertex=True,
    )
    result = adapter.poll_result(filtered)
    assert (result.samples, result.filtered_count, result.filtered_reasons) == ((), 2, ("a", "b"))


def test_failed_operation() -> None:
    op = operation(
        {"name": "n", "done": True, "error": {"code": 3, "message": "bad prompt"}}, vertex=False
    )
    result = adapter.poll_result(op)
    assert (result.done, result.error_code, result.error_message) == (True, 3, "bad prompt")


def test_done_without_response_or_error_is_not_retryable() -> None:
    with pytest.raises(ProviderError) as caught:
        adapter.poll_result(operation({"name": "n", "done": True}, vertex=True))
    assert caught.value.retryable is False
