"""The real google-genai SDK against the fake Veo upstream on 127.0.0.1, for both hosts.

Nothing here may leave this machine: `loopback_only` refuses to resolve any other name, and
the Vertex host gets a ready token so the SDK never tries to refresh credentials.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.genai import errors as genai_errors
from google.oauth2 import service_account
from google.oauth2.credentials import Credentials

from tests.fakes.google_veo import FakeVeo
from tests.fakes.google_veo_script import Fault, VeoScript, tiny_mp4
from tests.providers.google.specs import b64, frames_spec, make_spec
from veogate.errors import InvalidRequest
from veogate.jobs.model import ImageInput
from veogate.providers.google import GeminiApiHost, GoogleVeoProvider, UpstreamError, VertexHost
from veogate.providers.google.client import VeoHost
from veogate.providers.google.errors import translate_error
from veogate.providers.remote import InputImage, InputImages, PollResult, SampleLocator

MODEL_IDS = {"veo-3.1": "veo-3.1-generate-preview", "veo-3.1-fast": "veo-3.1-fast-generate-001"}
FIRST = InputImage(b"\x89PNG\r\n\x1a\n first frame", "image/png")
LAST = InputImage(b"\xff\xd8\xff last frame", "image/jpeg")
REFS = (InputImage(b"RIFF....WEBP ref", "image/webp"), InputImage(b"\x89PNG ref", "image/png"))
ENV_VARS = (
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_GENAI_USE_ENTERPRISE",
    "GOOGLE_GENAI_API_VERSION",
    "GOOGLE_GENAI_HTTP_CLIENT",
    "GOOGLE_APPLICATION_CREDENTIALS",
)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", b"127.0.0.1"):
            raise OSError(f"test tried to resolve {host!r}: only loopback is allowed")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


@pytest.fixture
def fake() -> Iterator[FakeVeo]:
    server = FakeVeo().start()
    yield server
    server.stop()


def make_host(kind: str, base_url: str, timeout: float = 5.0) -> VeoHost:
    if kind == "gemini":
        return GeminiApiHost("test-key", base_url, timeout_seconds=timeout)
    token = Credentials(token="test-token")  # type: ignore[no-untyped-call]
    return VertexHost(
        "proj", "us-central1", credentials=token, base_url=base_url, timeout_seconds=timeout
    )


@pytest.fixture(params=["gemini", "vertex"])
async def provider(request: pytest.FixtureRequest, fake: FakeVeo) -> AsyncIterator[Any]:
    veo = GoogleVeoProvider(make_host(request.param, fake.base_url), MODEL_IDS)
    yield veo
    await veo.aclose()


def is_vertex(veo: GoogleVeoProvider) -> bool:
    return isinstance(veo.host, VertexHost)


async def poll_until_done(veo: GoogleVeoProvider, name: str, limit: int = 20) -> PollResult:
    for _ in range(limit):
        result = await veo.poll(name)
        if result.done:
            return result
    raise AssertionError(f"{name} never finished")


# --------------------------------------------------------------------------- request shape


async def test_submit_sends_every_mapped_field(provider: GoogleVeoProvider, fake: FakeVeo) -> None:
    spec = frames_spec(
        negative_prompt="no captions",
        duration_seconds=6,
        aspect_ratio="9:16",
        resolution="1080p",
        sample_count=2,
        generate_audio=False,
        person_generation="dont_allow",
        resize_mode="crop",
        enhance_prompt=False,
    )
    name = await provider.submit(spec, InputImages(first_frame=FIRST, last_frame=LAST))
    [submit] = fake.received("submit")
    instance, parameters = submit.json["instances"][0], submit.json["parameters"]
    assert instance["prompt"] == make_spec().prompt
    assert instance["image"] == {"bytesBase64Encoded": b64(FIRST.data), "mimeType": "image/png"}
    assert instance["lastFrame"] == {"bytesBase64Encoded": b64(LAST.data), "mimeType": "image/jpeg"}
    common = {
        "negativePrompt": "no captions",
        "durationSeconds": 6,
        "aspectRatio": "9:16",
        "resolution": "1080p",
        "sampleCount": 2,
        "personGeneration": "dont_allow",
        "enhancePrompt": False,
    }
    if is_vertex(provider):
        base = "/v1/projects/proj/locations/us-central1/publishers/google/models/"
        assert submit.path == base + "veo-3.1-generate-preview:predictLongRunning"
        assert submit.headers["authorization"] == "Bearer test-token"
        # The SDK sends its enum values upper-case.
        assert parameters == {
            **common,
            "seed": make_spec().seed,
            "generateAudio": False,
            "resizeMode": "CROP",
        }
        assert name.startswith("projects/proj/locations/us-central1/publishers/google/models/")
    else:
        assert submit.path == "/v1beta/models/veo-3.1-generate-preview:predictLongRunning"
        assert submit.headers["x-goog-api-key"] == "test-key"
        assert parameters == common
        assert name.startswith("models/veo-3.1-generate-preview/operations/")


async def test_submit_sends_reference_images(provider: GoogleVeoProvider, fake: FakeVeo) -> None:
    spec = make_spec(
        reference_images=tuple(ImageInput(source="data:,", field=f"ref[{i}]") for i in range(2)),
        resolution="4K",
    )
    await provider.submit(spec, InputImages(references=REFS))
    [submit] = fake.received("submit")
    instance = submit.json["instances"][0]
    assert "image" not in instance
    assert "lastFrame" not in instance
    refs = instance["referenceImages"]
    assert [r["image"] for r in refs] == [
        {"bytesBase64Encoded": b64(ref.data), "mimeType": ref.mime_type} for ref in REFS
    ]
    assert [r["referenceType"].lower() for r in refs] == ["asset", "asset"]
    assert submit.json["parameters"]["resolution"] == "4k"


async def test_gemini_prepare_warns_and_never_sends_unsupported_fields(fake: FakeVeo) -> None:
    veo = GoogleVeoProvider(make_host("gemini", fake.base_url), MODEL_IDS)
    spec = frames_spec(generate_audio=False, resize_mode="crop")
    assert veo.prepare(spec).warnings == (
        "seed is not supported by the Gemini API; dropped",
        "generate_audio=false is not supported: the Gemini API always generates audio",
        "resize_mode is not supported by the Gemini API; dropped (the upstream fits the image)",
    )
    assert veo.prepare(make_spec()).warnings == (
        "seed is not supported by the Gemini API; dropped",
    )
    await veo.submit(spec, InputImages(first_frame=FIRST, last_frame=LAST))
    [submit] = fake.received("submit")
    assert not {"seed", "generateAudio", "resizeMode"} & submit.json["parameters"].keys()
    await veo.aclose()


async def test_vertex_prepare_keeps_everything(fake: FakeVeo) -> None:
    veo = GoogleVeoProvider(make_host("vertex", fake.base_url), MODEL_IDS)
    assert veo.prepare(frames_spec(generate_audio=False, resize_mode="crop")).warnings == ()
    await veo.aclose()


def test_unknown_model_is_refused_at_prepare() -> None:
    veo = GoogleVeoProvider(GeminiApiHost("k", "http://127.0.0.1:9"), {"veo-3.1": "x"})
    with pytest.raises(InvalidRequest):
        veo.prepare(make_spec(canonical_model="veo-3.1-fast"))


# --------------------------------------------------------------------------- lifecycle


async def test_poll_until_done_then_download_exact_bytes(
    provider: GoogleVeoProvider, fake: FakeVeo, tmp_path: Path
) -> None:
    fake.script = VeoScript(polls_until_done=2)
    name = await provider.submit(make_spec(sample_count=2), InputImages())
    first = await provider.poll(name)
    assert (first.done, first.progress) == (False, 0.4)
    result = await poll_until_done(provider, name)
    assert len(fake.received("poll")) == 3
    assert len(fake.received("submit")) == 1
    assert (len(result.samples), result.filtered_count, result.error_code) == (2, 0, None)
    for index, sample in enumerate(result.samples):
        assert (sample.uri is None) is is_vertex(provider)
        destination = tmp_path / f"sample_{index}.mp4"
        await provider.download(sample, destination)
        assert destination.read_bytes() == tiny_mp4(index)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sample_0.mp4", "sample_1.mp4"]


async def test_time_based_delay(provider: GoogleVeoProvider, fake: FakeVeo) -> None:
    fake.script = VeoScript(seconds_until_done=0.3)
    name = await provider.submit(make_spec(), InputImages())
    assert not (await provider.poll(name)).done
    await asyncio.sleep(0.35)
    assert (await provider.poll(name)).done


async def test_partial_rai_filtering(provider: GoogleVeoProvider, fake: FakeVeo) -> None:
    fake.script = VeoScript(filtered=2, filtered_reasons=["person", "violence"])
    name = await provider.submit(make_spec(sample_count=3), InputImages())
    result = await poll_until_done(provider, name)
    assert len(result.samples) == 1
    assert (result.filtered_count, result.filtered_reasons) == (2, ("person", "violence"))


async def test_full_rai_filtering(provider: GoogleVeoProvider, fake: FakeVeo) -> None:
    fake.script = VeoScript(filtered=1, filtered_reasons=["unsafe prompt"])
    name = await provider.submit(make_spec(), InputImages())
    result = await poll_until_done(provider, name)
    assert (result.done, result.samples, result.error_code) == (True, (), None)
    assert (result.filtered_count, result.filtered_reasons) == (1, ("unsafe prompt",))


async def test_operation_error(provider: GoogleVeoProvider, fake: FakeVeo) -> None:
    fake.script = VeoScript(polls_until_done=1, operation_error=(3, "prompt was rejected"))
    name = await provider.submit(make_spec(), InputImages())
    result = await poll_until_done(provider, name)
    assert (result.done, result.samples) == (True, ())
    assert (result.error_code, result.error_message) == (3, "prompt was rejected")


# --------------------------------------------------------------------------- failures


async def test_429_burst_is_retryable_with_retry_after(
    provider: GoogleVeoProvider, fake: FakeVeo
) -> None:
    fake.script = VeoScript(submit_faults=[Fault.status(429, retry_after=7)] * 2)
    for _ in range(2):
        with pytest.raises(UpstreamError) as caught:
            await provider.submit(make_spec(), InputImages())
        error = caught.value
        assert (error.retryable, error.retry_after_seconds, error.upstream_status) == (
            True,
            7.0,
            429,
        )
        assert "RESOURCE_EXHAUSTED" in error.message
        assert error.maybe_accepted is False
    assert await provider.submit(make_spec(), InputImages())
    assert len(fake.received("submit")) == 3  # the SDK itself never retried


async def test_5xx_is_retryable(provider: GoogleVeoProvider, fake: FakeVeo) -> None:
    fake.script = VeoScript(poll_faults=[Fault.status(500), Fault.status(503)])
    name = await provider.submit(make_spec(), InputImages())
    for status in (500, 503):
        with pytest.raises(UpstreamError) as caught:
            await provider.poll(name)
        assert (caught.value.retryable, caught.value.upstream_status) == (True, status)
        assert caught.value.retry_after_seconds is None
    assert (await provider.poll(name)).done


async def test_4xx_is_not_retryable_and_keeps_the_message(
    provider: GoogleVeoProvider, fake: FakeVeo
) -> None:
    fake.script = VeoScript(submit_faults=[Fault.status(400)])
    with pytest.raises(UpstreamError) as caught:
        await provider.submit(make_spec(), InputImages())
    assert caught.value.retryable is False
    assert "scripted 400" in caught.value.message
    assert "INVALID_ARGUMENT" in caught.value.message


async def test_wrong_api_key_is_not_retryable(fake: FakeVeo) -> None:
    veo = GoogleVeoProvider(GeminiApiHost("wrong", fake.base_url), MODEL_IDS)
    with pytest.raises(UpstreamError) as caught:
        await veo.submit(make_spec(), InputImages())
    assert caught.value.retryable is False
    assert "API key not valid" in caught.value.message
    await veo.aclose()


@pytest.mark.parametrize("step", ["submit", "poll"])
async def test_malformed_json_is_not_retryable(
    provider: GoogleVeoProvider, fake: FakeVeo, step: str
) -> None:
    name = await provider.submit(make_spec(), InputImages()) if step == "poll" else ""
    fake.script = VeoScript(submit_faults=[Fault.malformed()], poll_faults=[Fault.malformed()])
    with pytest.raises(UpstreamError) as caught:
        await (
            provider.poll(name) if step == "poll" else provider.submit(make_spec(), InputImages())
        )
    assert caught.value.retryable is False
    assert "malformed JSON" in caught.value.message


@pytest.mark.parametrize("kind", ["gemini", "vertex"])
async def test_hanging_response_times_out_as_retryable(fake: FakeVeo, kind: str) -> None:
    veo = GoogleVeoProvider(make_host(kind, fake.base_url, timeout=1.0), MODEL_IDS)
    fake.script = VeoScript(submit_faults=[Fault.hang(30)], poll_faults=[Fault.hang(30)])
    started = time.monotonic()
    with pytest.raises(UpstreamError) as caught:
        await veo.submit(make_spec(), InputImages())
    assert time.monotonic() - started < 5
    assert caught.value.retryable is True
    assert "timed out" in caught.value.message
    # Google may have created the operation: a paid submit must not be resent blindly.
    assert caught.value.maybe_accepted is True
    name = await veo.submit(make_spec(), InputImages())
    with pytest.raises(UpstreamError) as caught:
        await veo.poll(name)
    assert caught.value.retryable is True
    assert caught.value.maybe_accepted is False
    await veo.aclose()


async def test_connection_refused_is_retryable_and_not_accepted() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    veo = GoogleVeoProvider(make_host("gemini", f"http://127.0.0.1:{port}"), MODEL_IDS)
    with pytest.raises(UpstreamError) as caught:
        await veo.submit(make_spec(), InputImages())
    assert caught.value.retryable is True
    assert caught.value.maybe_accepted is False
    assert "could not connect" in caught.value.message
    await veo.aclose()


# --------------------------------------------------------------------------- downloads


async def gemini_sample(fake: FakeVeo, script: VeoScript) -> tuple[GoogleVeoProvider, Any]:
    veo = GoogleVeoProvider(make_host("gemini", fake.base_url, timeout=1.0), MODEL_IDS)
    fake.script = script
    result = await poll_until_done(veo, await veo.submit(make_spec(), InputImages()))
    return veo, result.samples[0]


async def test_gemini_download_follows_redirect(fake: FakeVeo, tmp_path: Path) -> None:
    veo, sample = await gemini_sample(fake, VeoScript(download_redirect=True))
    await veo.download(sample, tmp_path / "out.mp4")
    assert (tmp_path / "out.mp4").read_bytes() == tiny_mp4(0)
    paths = [r.path for r in fake.received("download")]
    assert paths[0].endswith(":download")
    assert paths[1].startswith("/blobs/")
    assert fake.received("download")[0].headers["x-goog-api-key"] == "test-key"
    await veo.aclose()


@pytest.mark.parametrize(
    ("fault", "retryable"), [(Fault.hang(30), True), (Fault.status(404), False)]
)
async def test_failed_download_leaves_nothing_behind(
    fake: FakeVeo, tmp_path: Path, fault: Fault, retryable: bool
) -> None:
    veo, sample = await gemini_sample(fake, VeoScript(download_faults=[fault]))
    with pytest.raises(UpstreamError) as caught:
        await veo.download(sample, tmp_path / "out.mp4")
    assert caught.value.retryable is retryable
    assert list(tmp_path.iterdir()) == []
    await veo.aclose()


async def test_vertex_gcs_output_is_refused_clearly(fake: FakeVeo, tmp_path: Path) -> None:
    veo = GoogleVeoProvider(make_host("vertex", fake.base_url), MODEL_IDS)
    fake.script = VeoScript(gcs_output=True)
    result = await poll_until_done(veo, await veo.submit(make_spec(), InputImages()))
    assert result.samples[0].uri == "gs://fake-bucket/op1/sample_0.mp4"
    with pytest.raises(UpstreamError) as caught:
        await veo.download(result.samples[0], tmp_path / "out.mp4")
    assert caught.value.retryable is False
    assert "gs://" in caught.value.message
    assert "storage configuration" in caught.value.message
    assert list(tmp_path.iterdir()) == []
    await veo.aclose()


async def test_inline_download_writes_exact_bytes(tmp_path: Path) -> None:
    veo = GoogleVeoProvider(make_host("gemini", "http://127.0.0.1:9"), MODEL_IDS)
    destination = tmp_path / "nested" / "out.mp4"
    await veo.download(SampleLocator(data=tiny_mp4(2)), destination)
    assert destination.read_bytes() == tiny_mp4(2)
    assert [p.name for p in destination.parent.iterdir()] == ["out.mp4"]  # no partial file left
    with pytest.raises(UpstreamError):
        await veo.download(SampleLocator(), tmp_path / "bad.mp4")
    await veo.aclose()


# --------------------------------------------------------------------------- hosts and errors


def test_vertex_host_from_service_account_file(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "sa.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "proj",
                "private_key_id": "1",
                "private_key": pem,
                "client_email": "veogate@proj.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    host = VertexHost("proj", "us-central1", service_account_file=path, base_url="http://x")
    credentials = host.client._api_client._credentials
    assert isinstance(credentials, service_account.Credentials)
    assert credentials.scopes == ["https://www.googleapis.com/auth/cloud-platform"]
    token = Credentials(token="t")  # type: ignore[no-untyped-call]
    with pytest.raises(ValueError, match="not both"):
        VertexHost("p", "l", credentials=token, service_account_file=path)


def test_retry_after_from_retry_info_and_http_date() -> None:
    details = {
        "error": {
            "code": 429,
            "status": "RESOURCE_EXHAUSTED",
            "message": "quota",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "12s"}],
        }
    }
    error = translate_error(genai_errors.ClientError(429, details), "submit")
    assert isinstance(error, UpstreamError)
    assert (error.retryable, error.retry_after_seconds) == (True, 12.0)
    not_found = translate_error(genai_errors.ClientError(404, {"message": "gone"}), "poll")
    assert isinstance(not_found, UpstreamError)
    assert (not_found.retryable, not_found.retry_after_seconds) == (False, None)
    assert translate_error(RuntimeError("bug"), "poll") is None


def test_gateway_timeout_on_submit_may_have_been_accepted() -> None:
    body = {"error": {"code": 504, "message": "deadline", "status": "DEADLINE_EXCEEDED"}}
    on_submit = translate_error(genai_errors.ServerError(504, body), "submit", submit=True)
    on_poll = translate_error(genai_errors.ServerError(504, body), "poll")
    assert isinstance(on_submit, UpstreamError)
    assert isinstance(on_poll, UpstreamError)
    assert (on_submit.retryable, on_submit.maybe_accepted) == (True, True)
    assert (on_poll.retryable, on_poll.maybe_accepted) == (True, False)
