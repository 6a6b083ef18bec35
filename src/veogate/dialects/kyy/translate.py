"""Jobs and errors in kyy's words."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from veogate.dialects.kyy.schemas import ID_FORM
from veogate.errors import VeogateError
from veogate.jobs.model import Job, JobStatus
from veogate.storage.signing import SignedUrl

_STATUS = {
    JobStatus.QUEUED: "queued",
    JobStatus.RUNNING: "processing",
    JobStatus.SUCCEEDED: "completed",
    JobStatus.FAILED: "failed",
    JobStatus.CANCELLED: "failed",
}
_CODES = {"invalid_parameter", "missing_parameter", "conflicting_parameters", "invalid_json"}


def created(job: Job) -> dict[str, Any]:
    return {
        "id": ID_FORM.render(job.id),
        "object": "video",
        "created": int(job.created_at.timestamp()),
        "model": job.spec.public_model,
        "status": _STATUS[job.status],
    }


def status(job: Job, links: list[SignedUrl]) -> dict[str, Any]:
    body = created(job) | {"progress": job.progress, "video_url": None, "error": None}
    if job.warnings:
        body["warnings"] = job.warnings
    if (usage := job.usage()) is not None:
        body["usage"] = usage
    if job.status is JobStatus.SUCCEEDED and job.outputs:
        first = job.outputs[0]
        body["actualDuration"] = round(first.duration_seconds, 3)
        if links:
            body["video_url"] = links[0].url
            body["expires_at"] = links[0].expires_at
        else:
            body["video_expired"] = True
            body["message"] = "the video was deleted when its retention period ended"
    elif job.status is JobStatus.CANCELLED:
        body["error"] = "cancelled"
    elif job.status is JobStatus.FAILED:
        body["error"] = job.error_message or "generation failed"
    return body


def render_error(exc: VeogateError, request: Request) -> Response:
    code = exc.code
    if exc.status_code == 400 and code not in _CODES:
        code = "invalid_parameter"  # kyy names fewer rules than veogate checks
    body: dict[str, Any] = {"error": exc.message, "code": code, "param": exc.param}
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    return JSONResponse(body, status_code=exc.status_code, headers=headers)
