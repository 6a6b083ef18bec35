"""Jobs as Google long-running operations, and errors in Google's shape.

    {"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT", "details": [...]}}

An operation that ended badly carries a `google.rpc.Code` number: 1 cancelled, 3 an input
could not be used, 4 out of time, 13 anything else. When the safety filters took every
sample it ends as Google's does: done, with `raiMediaFilteredCount` and no videos.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from veogate.dialects.google.names import file_id, gemini_name
from veogate.errors import VeogateError
from veogate.jobs.model import Job, JobStatus

GEMINI_RESPONSE = (
    "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse"
)
VERTEX_RESPONSE = "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    402: "RESOURCE_EXHAUSTED",  # the key's credits: Google's status for any quota
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_RPC_CODES = {"cancelled": 1, "invalid_input": 3, "deadline_exceeded": 4}
_INTERNAL = 13
EXPIRED = {"code": 5, "message": "the videos were deleted when their retention period ended"}


def render_error(exc: VeogateError, request: Request) -> Response:
    message = exc.message
    if exc.param and exc.param not in message:
        message = f"{exc.param}: {message}"
    error: dict[str, Any] = {
        "code": exc.status_code,
        "message": message,
        "status": _STATUS_NAMES.get(exc.status_code, "INTERNAL"),
    }
    if exc.param and exc.status_code == 400:
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": exc.param, "description": exc.message}],
            }
        ]
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    return JSONResponse({"error": error}, status_code=exc.status_code, headers=headers)


def filtered_count(job: Job) -> int:
    """Samples asked for that the safety filters took."""
    if job.status is JobStatus.FAILED and job.error_code == "content_filtered":
        return job.spec.sample_count
    if job.status is JobStatus.SUCCEEDED:
        return max(0, job.spec.sample_count - len(job.outputs))
    return 0


def _filtered(job: Job) -> dict[str, Any]:
    count = filtered_count(job)
    if not count:
        return {"raiMediaFilteredCount": 0}
    reasons = [job.error_message] if job.error_message else list(job.warnings)
    return {"raiMediaFilteredCount": count, "raiMediaFilteredReasons": reasons}


def _ended(job: Job) -> dict[str, Any]:
    """The `metadata` of an ended operation: 100 %, and what the job cost once known."""
    metadata: dict[str, Any] = {"progressPercent": 100}
    if (usage := job.usage()) is not None:
        metadata["usage"] = usage
    return metadata


def pending(name: str, job: Job) -> dict[str, Any] | None:
    """The operation while it runs, or when it ended without videos; None when it has
    videos to show (each dialect renders those its own way)."""
    if not job.status.terminal:
        return {"name": name, "done": False, "metadata": {"progressPercent": job.progress}}
    if job.status is JobStatus.SUCCEEDED or job.error_code == "content_filtered":
        return None
    code = _RPC_CODES.get(job.error_code or "", _INTERNAL)
    if job.status is JobStatus.CANCELLED:
        code, message = 1, "the operation was cancelled"
    else:
        message = job.error_message or "generation failed"
    error = {"code": code, "message": message}
    return {"name": name, "done": True, "metadata": _ended(job), "error": error}


def gemini_operation(model: str, job: Job, base_url: str) -> dict[str, Any]:
    """The Gemini API operation: videos as download URIs (`files.download` takes them)."""
    base_url = base_url.rstrip("/")
    name = gemini_name(model, job.id)
    early = pending(name, job)
    if early is not None:
        return early
    samples = [
        {
            "video": {
                "uri": f"{base_url}/v1beta/files/{file_id(job.id, output.index)}:download?alt=media"
            }
        }
        for output in job.outputs
    ]
    response: dict[str, Any] = {"generatedSamples": samples} if samples else {}
    response |= _filtered(job)
    return {
        "name": name,
        "done": True,
        "metadata": _ended(job),
        "response": {"@type": GEMINI_RESPONSE, "generateVideoResponse": response},
    }


def vertex_head(name: str, job: Job) -> dict[str, Any]:
    """A done Vertex AI operation with an empty `videos` list, for the caller to fill."""
    return {
        "name": name,
        "done": True,
        "metadata": _ended(job),
        "response": {"@type": VERTEX_RESPONSE, **_filtered(job), "videos": []},
    }
