"""A fake of Google's Veo upstream on 127.0.0.1, speaking both the Gemini API and Vertex AI.

Routes (see `/work/shared/spec/google-upstream.md`):

    Gemini API (header x-goog-api-key)
      POST /v1beta/models/{model}:predictLongRunning   -> {"name": "models/{m}/operations/{id}"}
      GET  /v1beta/models/{model}/operations/{id}      -> the operation
      GET  /v1beta/files/{file}:download?alt=media     -> MP4 bytes (or 302 to /blobs/{file})
    Vertex AI (header Authorization: Bearer)
      POST /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:predictLongRunning
      POST /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:fetchPredictOperation

Every request is recorded in `requests` (unless `record` is off); behaviour is scripted with
`script` (a `VeoScript`). Samples are real tiny MP4s (`tiny_mp4`), so a test can compare
downloaded bytes exactly; `video_size` makes them larger (for memory benchmarks).

For a fake in another process (`python -m tests.fakes.serve_google_veo`), two routes of its
own: `GET /_fake/operations` lists every operation with its wall-clock submit and ready times
and its poll count; `POST /_fake/hold` and `POST /_fake/release` set `holding`.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.fakes.google_veo_script import Fault, RecordedRequest, VeoScript, sample_mp4

_MODEL = r"[A-Za-z0-9._-]+"
_GEMINI_SUBMIT = re.compile(rf"/v1beta/(models/{_MODEL}):predictLongRunning")
_GEMINI_POLL = re.compile(rf"/v1beta/(models/{_MODEL}/operations/[a-z0-9]+)")
_GEMINI_FILE = re.compile(r"/v1beta/files/([a-z0-9]+):download")
_BLOB = re.compile(r"/blobs/([a-z0-9]+)")
_VERTEX_MODEL = rf"projects/[^/]+/locations/[^/]+/publishers/google/models/{_MODEL}"
_VERTEX_SUBMIT = re.compile(rf"/v1/({_VERTEX_MODEL}):predictLongRunning")
_VERTEX_POLL = re.compile(rf"/v1/({_VERTEX_MODEL}):fetchPredictOperation")


def google_error(code: int, message: str, status: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "status": status}}, code)


_GEMINI_RESPONSE_TYPE = (
    "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse"
)
_VERTEX_RESPONSE_TYPE = "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"
_STATUS_NAMES = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED"}


@dataclass
class _Operation:
    name: str
    vertex: bool
    script: VeoScript
    sample_count: int
    created: float
    submitted_wall: float
    prompt: str
    polls: int = 0
    seen_done_wall: float | None = None
    """When the operation was first answered done (wall clock)."""


class FakeVeo:
    def __init__(self, api_key: str = "test-key", token: str = "test-token") -> None:  # noqa: S107
        self.api_key = api_key
        self.api_keys = {api_key}
        """Every Gemini API key the fake accepts (add more to test a key pool)."""
        self.token = token
        self.script = VeoScript()
        self.script_for: Callable[[str], VeoScript | None] | None = None
        """When set, picks each new operation's script from its prompt (None: `script`)."""
        self.requests: list[RecordedRequest] = []
        self.operations: dict[str, _Operation] = {}
        self.files: dict[str, bytes] = {}
        self._ids = itertools.count(1)
        self.holding = False
        """While set, no operation is done (to release a wave of completions at once)."""
        self.record = True
        """Keep every request in `requests` (off for long load runs)."""
        self.video_size = (64, 36, 1)
        """Width, height and seconds of the sample videos."""
        self.submits = 0
        self.released_wall: float | None = None
        self.replay_on_release = False
        """On release, an operation held since its submit is done as long after the release
        as it was submitted after the first one (the submission pattern replayed), instead of
        all at once."""
        self.replay_speed = 1.0
        """How much faster than the submissions the replay runs."""
        self._first_submit_wall: float | None = None
        self._closing = threading.Event()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        app = Starlette(
            routes=[
                Route("/_fake/operations", self._list_operations, methods=["GET"]),
                Route("/_fake/{action:str}", self._set_holding, methods=["POST"]),
                Route("/{path:path}", self._handle, methods=["GET", "POST"]),
            ]
        )
        self.app = app

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        assert self._socket is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def start(self) -> FakeVeo:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        config = uvicorn.Config(
            self.app, log_level="warning", lifespan="off", ws="none", access_log=False
        )
        self._server = uvicorn.Server(config)
        sockets = [self._socket]
        self._thread = threading.Thread(target=self._server.run, args=(sockets,), daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake Veo server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._closing.set()
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
        if self._socket is not None:
            self._socket.close()

    # ------------------------------------------------------------------ queries for tests

    def received(self, kind: str) -> list[RecordedRequest]:
        """Recorded requests of one kind: `submit`, `poll` or `download`."""
        return [r for r in self.requests if r.kind == kind]

    def ready_wall(self, op: _Operation) -> float | None:
        """When `op` was done (wall clock), by its script's time and the last release; None
        while held. (Operations scripted by poll count are done when first seen done.)"""
        if self.holding:
            return op.seen_done_wall
        ready = op.submitted_wall + op.script.seconds_until_done
        if self.released_wall is not None and op.submitted_wall < self.released_wall:
            ready = max(ready, self.released_wall + self._replay_offset(op))
        return ready if op.script.polls_until_done == 0 else op.seen_done_wall

    def _replay_offset(self, op: _Operation) -> float:
        if not self.replay_on_release or self._first_submit_wall is None:
            return 0.0
        return (op.submitted_wall - self._first_submit_wall) / self.replay_speed

    def _held_by_replay(self, op: _Operation) -> bool:
        if self.released_wall is None or op.submitted_wall >= self.released_wall:
            return False
        return time.time() < self.released_wall + self._replay_offset(op)

    async def _list_operations(self, request: Request) -> Response:
        listed = [
            {
                "name": op.name,
                "prompt": op.prompt,
                "submitted": op.submitted_wall,
                "ready": self.ready_wall(op),
                "seen_done": op.seen_done_wall,
                "polls": op.polls,
            }
            for op in self.operations.values()
        ]
        return JSONResponse({"submits": self.submits, "operations": listed})

    async def _set_holding(self, request: Request) -> Response:
        action = request.path_params["action"]
        if action not in ("hold", "release"):
            return Response(status_code=404)
        self.holding = action == "hold"
        if not self.holding:
            self.released_wall = time.time()
        return Response(status_code=204)

    # ------------------------------------------------------------------ dispatch

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        path = request.url.path
        headers = {k.lower(): v for k, v in request.headers.items()}
        record = RecordedRequest(request.method, path, request.url.query, headers, body)
        if self.record:
            self.requests.append(record)
        if match := _GEMINI_SUBMIT.fullmatch(path):
            return await self._submit(record, match.group(1), vertex=False)
        if match := _GEMINI_POLL.fullmatch(path):
            return await self._poll(record, match.group(1), vertex=False)
        if match := _GEMINI_FILE.fullmatch(path):
            return await self._download(record, match.group(1))
        if match := _BLOB.fullmatch(path):
            data = self.files.get(match.group(1))
            return Response(data, media_type="video/mp4") if data else Response(status_code=404)
        if match := _VERTEX_SUBMIT.fullmatch(path):
            return await self._submit(record, match.group(1), vertex=True)
        if match := _VERTEX_POLL.fullmatch(path):
            return await self._poll(record, record.json.get("operationName", ""), vertex=True)
        return google_error(404, f"no route for {request.method} {path}", "NOT_FOUND")

    def _auth_error(self, record: RecordedRequest, vertex: bool) -> Response | None:
        if vertex and record.headers.get("authorization") != f"Bearer {self.token}":
            return google_error(401, "Request had invalid credentials.", "UNAUTHENTICATED")
        if not vertex and record.headers.get("x-goog-api-key") not in self.api_keys:
            return google_error(400, "API key not valid.", "INVALID_ARGUMENT")
        return None

    async def _fault(self, faults: list[Fault]) -> Response | None:
        if not faults:
            return None
        fault = faults.pop(0)
        if fault.kind == "hang":
            deadline = time.monotonic() + fault.seconds
            while time.monotonic() < deadline and not self._closing.is_set():
                await asyncio.sleep(0.02)
            return None
        if fault.kind == "malformed":
            return Response(b'{"name": "operations/trunc', media_type="application/json")
        status = _STATUS_NAMES.get(fault.status_code, "INTERNAL")
        response = google_error(fault.status_code, f"scripted {fault.status_code}", status)
        if fault.retry_after is not None:
            response.headers["retry-after"] = fault.retry_after
        return response

    # ------------------------------------------------------------------ handlers

    async def _submit(self, record: RecordedRequest, model: str, vertex: bool) -> Response:
        error = self._auth_error(record, vertex) or await self._fault(self.script.submit_faults)
        if error is not None:
            return error
        payload: dict[str, Any] = record.json
        if not payload.get("instances") or "prompt" not in payload["instances"][0]:
            return google_error(400, "instances[0].prompt is required", "INVALID_ARGUMENT")
        name = f"{model}/operations/op{next(self._ids)}"
        count = int(payload.get("parameters", {}).get("sampleCount", 1))
        prompt = str(payload["instances"][0]["prompt"])
        self.submits += 1
        if self._first_submit_wall is None:
            self._first_submit_wall = time.time()
        script = (self.script_for(prompt) if self.script_for else None) or self.script
        self.operations[name] = _Operation(
            name, vertex, script, count, time.monotonic(), time.time(), prompt
        )
        return JSONResponse({"name": name})

    async def _poll(self, record: RecordedRequest, name: str, vertex: bool) -> Response:
        error = self._auth_error(record, vertex) or await self._fault(self.script.poll_faults)
        if error is not None:
            return error
        op = self.operations.get(name)
        if op is None or op.vertex != vertex:
            return google_error(404, f"operation {name} not found", "NOT_FOUND")
        op.polls += 1
        elapsed = time.monotonic() - op.created
        held = self.holding or op.polls <= op.script.polls_until_done or self._held_by_replay(op)
        if held or elapsed < op.script.seconds_until_done:
            return JSONResponse({"name": name, "done": False, "metadata": {"progressPercent": 40}})
        if op.seen_done_wall is None:
            op.seen_done_wall = time.time()
        if op.script.operation_error is not None:
            code, message = op.script.operation_error
            return JSONResponse(
                {"name": name, "done": True, "error": {"code": code, "message": message}}
            )
        return JSONResponse({"name": name, "done": True, "response": self._result(op)})

    def _result(self, op: _Operation) -> dict[str, Any]:
        script = op.script
        produced = op.sample_count if script.samples is None else script.samples
        kept = max(0, produced - script.filtered)
        opid = op.name.rsplit("/", 1)[1]
        rai: dict[str, Any] = {"raiMediaFilteredCount": script.filtered}
        if script.filtered_reasons:
            rai["raiMediaFilteredReasons"] = list(script.filtered_reasons)
        if op.vertex:
            videos: list[dict[str, str]] = []
            for i in range(kept):
                if script.gcs_output:
                    videos.append({"gcsUri": f"gs://fake-bucket/{opid}/sample_{i}.mp4"})
                else:
                    encoded = base64.b64encode(self._video(i)).decode("ascii")
                    videos.append({"bytesBase64Encoded": encoded, "mimeType": "video/mp4"})
            return {"@type": _VERTEX_RESPONSE_TYPE, **rai, "videos": videos}
        samples = []
        for i in range(kept):
            file_id = f"{opid}f{i}"
            self.files[file_id] = self._video(i)
            uri = f"{self.base_url}/v1beta/files/{file_id}:download?alt=media"
            samples.append({"video": {"uri": uri}})
        if not script.filtered:
            rai = {}
        response = {"generatedSamples": samples, **rai}
        return {"@type": _GEMINI_RESPONSE_TYPE, "generateVideoResponse": response}

    def _video(self, index: int) -> bytes:
        return sample_mp4(index, *self.video_size)

    async def _download(self, record: RecordedRequest, file_id: str) -> Response:
        error = self._auth_error(record, vertex=False) or await self._fault(
            self.script.download_faults
        )
        if error is not None:
            return error
        if "alt=media" not in record.query:
            return google_error(400, "alt=media is required", "INVALID_ARGUMENT")
        data = self.files.get(file_id)
        if data is None:
            return google_error(404, f"file {file_id} not found", "NOT_FOUND")
        if self.script.download_redirect:
            return RedirectResponse(f"/blobs/{file_id}", status_code=302)
        return Response(data, media_type="video/mp4")
