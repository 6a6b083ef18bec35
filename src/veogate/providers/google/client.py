"""Who veogate calls for Veo, through google-genai: the Gemini API or Vertex AI.

Two thin hosts each build one `genai.Client` (credentials, base URL, API version, timeout);
`GoogleVeoProvider` drives either through the `RemoteVideoProvider` steps, with the wire
mapping in `adapter.py`.

Per host:

    field            Gemini API (GeminiApiHost)                  Vertex AI (VertexHost)
    seed             dropped, warning at prepare                 parameters.seed
    generate_audio   true: omitted (always on); false: dropped,  parameters.generateAudio
                     warning at prepare
    resize_mode      dropped, warning at prepare when frames     parameters.resizeMode, sent
                     are given                                   with a first frame
    everything else  as in adapter.py                            as in adapter.py

    submit           POST v1beta/models/{m}:predictLongRunning   models.generate_videos
                     (body from adapter.gemini_api_body, sent    (v1 .../publishers/google/
                     through the SDK's transport: see below)     models/{m}:predictLongRunning)
    poll             operations.get -> GET v1beta/{name}         operations.get -> POST
                                                                 ...{m}:fetchPredictOperation
    download         files.download (redirects followed)         inline bytes; gs:// refused

google-genai 3.x raises `ValueError` for `generate_videos` in Gemini API mode before sending
anything, while the REST method is still served. `GeminiApiHost.start` therefore posts the
body it builds through the SDK's own API client (same key, base URL, timeout and error
types); it is the one place that touches an SDK private (`client.aio._api_client`).

Errors are translated at the edge, into `UpstreamError` (`errors.py`).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from google import genai
from google.auth import credentials as auth_credentials
from google.genai import types
from google.oauth2 import service_account

from veogate.errors import InvalidRequest
from veogate.jobs.model import JobSpec
from veogate.providers.google import adapter, sdk
from veogate.providers.google.adapter import HostFeatures, VideoRequest
from veogate.providers.google.errors import UpstreamError, translate_error, translated
from veogate.providers.google.operations import OperationReader
from veogate.providers.remote import InputImages, PollResult, Prepared, SampleLocator

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
DEFAULT_TIMEOUT_SECONDS = 60.0


# --------------------------------------------------------------------------- hosts


class VeoHost(Protocol):
    """Who is called: one configured `genai.Client` and the host-specific calls."""

    name: str
    features: HostFeatures
    client: genai.Client
    vertex: bool
    timeout_seconds: float

    async def start(self, model: str, request: VideoRequest) -> types.GenerateVideosOperation: ...

    async def fetch(self, uri: str, destination: Path) -> None: ...

    def operation_request(self, operation: str) -> tuple[str, str, dict[str, Any] | None]: ...

    async def auth_headers(self) -> dict[str, str]: ...

    def endpoint(self) -> tuple[str, str]: ...


def _http_options(base_url: str | None, api_version: str, timeout: float) -> types.HttpOptions:
    # No retry_options: the SDK then tries once; the pipeline owns retries and backoff.
    return types.HttpOptions(
        base_url=base_url, api_version=api_version, timeout=max(1, round(timeout * 1000))
    )


class GeminiApiHost:
    """The Gemini Developer API (`generativelanguage.googleapis.com`), with an API key."""

    name = "Gemini API"
    features: HostFeatures = adapter.GEMINI_API_FEATURES
    vertex = False

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        if not api_key:
            raise ValueError("the Gemini API needs an API key")
        self._api_key = api_key
        self.timeout_seconds = timeout_seconds
        self.client = genai.Client(
            api_key=api_key, http_options=_http_options(base_url, "v1beta", timeout_seconds)
        )

    async def start(self, model: str, request: VideoRequest) -> types.GenerateVideosOperation:
        path = model if model.startswith("models/") else f"models/{model}"
        payload = await sdk.post_json(
            self.client, f"{path}:predictLongRunning", adapter.gemini_api_body(request)
        )
        if not isinstance(payload, dict):
            raise ValueError(f"expected a JSON object, got {type(payload).__name__}")
        return types.GenerateVideosOperation.from_api_response(payload, is_vertex_ai=False)

    async def fetch(self, uri: str, destination: Path) -> None:
        # The SDK only parses https:// URIs itself; pass it the bare `files/{id}` name instead.
        file_id = adapter.gemini_file_id(uri)
        if file_id is None:
            raise UpstreamError(f"not a Gemini API file URI: {uri!r}", retryable=False)
        await self.client.aio.files.download(file=f"files/{file_id}", destination=str(destination))

    def operation_request(self, operation: str) -> tuple[str, str, dict[str, Any] | None]:
        return "GET", operation, None

    async def auth_headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self._api_key}

    def endpoint(self) -> tuple[str, str]:
        return sdk.endpoint(self.client)


class VertexHost:
    """Vertex AI, with OAuth credentials: given, from a service-account JSON file, or the
    application default credentials (resolved by the SDK at the first request)."""

    name = "Vertex AI"
    features: HostFeatures = adapter.VERTEX_FEATURES
    vertex = True

    def __init__(
        self,
        project: str,
        location: str,
        *,
        credentials: auth_credentials.Credentials | None = None,
        service_account_file: str | os.PathLike[str] | None = None,
        base_url: str | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        if not project or not location:
            raise ValueError("Vertex AI needs a project and a location")
        if credentials is not None and service_account_file is not None:
            raise ValueError("give credentials or service_account_file, not both")
        self.timeout_seconds = timeout_seconds
        if service_account_file is not None:
            credentials = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
                os.fspath(service_account_file), scopes=[CLOUD_PLATFORM_SCOPE]
            )
        self.client = genai.Client(
            vertexai=True,
            project=project,
            location=location,
            credentials=credentials,
            http_options=_http_options(base_url, "v1", timeout_seconds),
        )

    async def start(self, model: str, request: VideoRequest) -> types.GenerateVideosOperation:
        return await self.client.aio.models.generate_videos(
            model=model, source=request.source, config=request.config
        )

    async def fetch(self, uri: str, destination: Path) -> None:
        if uri.startswith("gs://"):
            raise UpstreamError(
                f"Vertex AI wrote the video to {uri}: gs:// output needs storage configuration "
                "(not supported yet); veogate expects inline video bytes",
                retryable=False,
            )
        raise UpstreamError(f"cannot download a Vertex AI sample from {uri!r}", retryable=False)

    def operation_request(self, operation: str) -> tuple[str, str, dict[str, Any] | None]:
        model = operation.rsplit("/operations/", 1)[0]
        return "POST", f"{model}:fetchPredictOperation", {"operationName": operation}

    async def auth_headers(self) -> dict[str, str]:
        token, quota_project = await sdk.access_token(self.client)
        headers = {"Authorization": f"Bearer {token}"}
        if quota_project:
            headers["x-goog-user-project"] = quota_project
        return headers

    def endpoint(self) -> tuple[str, str]:
        return sdk.endpoint(self.client)


# --------------------------------------------------------------------------- provider


def _write_atomically(destination: Path, data: bytes) -> None:
    temporary = _temporary_path(destination)
    try:
        temporary.write_bytes(data)
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)


def _temporary_path(destination: Path) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    return destination.with_name(f".{destination.name}.{uuid.uuid4().hex}.part")


class GoogleVeoProvider:
    """Veo 3.1 through either Google host, as a `RemoteVideoProvider`."""

    def __init__(
        self,
        host: VeoHost,
        model_ids: Mapping[str, str],
        name: str = "google",
        *,
        poll_connections: int = 64,
    ) -> None:
        self.host = host
        self.model_ids = dict(model_ids)
        self.name = name
        self._reader = OperationReader(
            host,
            translate_error,
            connections=poll_connections,
            timeout_seconds=host.timeout_seconds,
        )

    def _model_id(self, spec: JobSpec) -> str:
        model = self.model_ids.get(spec.canonical_model)
        if model is None:
            raise InvalidRequest(
                f"model {spec.public_model!r} ({spec.canonical_model}) is not configured "
                f"for the {self.host.name} provider {self.name!r}",
                param="model",
            )
        return model

    def prepare(self, spec: JobSpec) -> Prepared:
        self._model_id(spec)
        return Prepared(adapter.dropped_field_warnings(spec, self.host.features, self.host.name))

    async def submit(self, spec: JobSpec, images: InputImages) -> str:
        model = self._model_id(spec)
        request = adapter.build_request(spec, images, self.host.features)
        with translated(f"{self.host.name} submit", submit=True):
            operation = await self.host.start(model, request)
        if not operation.name:
            raise UpstreamError(
                f"{self.host.name} submit: the answer has no operation name", retryable=False
            )
        return operation.name

    async def poll(self, operation: str) -> PollResult:
        if not operation:
            raise UpstreamError("cannot poll an empty operation name", retryable=False)
        payload = await self._reader.read(operation)
        with translated(f"{self.host.name} poll"):
            if not payload.get("done"):
                return PollResult(done=False, progress=adapter.progress(payload.get("metadata")))
            current = types.GenerateVideosOperation.from_api_response(
                payload, is_vertex_ai=self.host.vertex
            )
            return adapter.poll_result(current)

    async def download(self, sample: SampleLocator, destination: Path) -> None:
        if sample.data is not None:
            await asyncio.to_thread(_write_atomically, destination, sample.data)
            return
        if not sample.uri:
            raise UpstreamError("the sample has neither a URI nor bytes", retryable=False)
        temporary = _temporary_path(destination)
        try:
            with translated(f"{self.host.name} download"):
                await self.host.fetch(sample.uri, temporary)
            os.replace(temporary, destination)
        finally:
            temporary.unlink(missing_ok=True)

    async def aclose(self) -> None:
        """Close the connection pools: the SDK's (async and sync) and the poll reader's."""
        await self._reader.aclose()
        self.host.client.close()
        await self.host.client.aio.aclose()
