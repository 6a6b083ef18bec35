"""Jobs and errors in apimart's words."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from veogate.dialects.apimart.contract import CURRENT, VERSION_HEADER, asked_version
from veogate.dialects.apimart.messages import localize
from veogate.dialects.apimart.schemas import ID_FORM
from veogate.errors import VeogateError
from veogate.jobs.model import Job, JobStatus
from veogate.storage.signing import SignedUrl

_STATUS = {
    JobStatus.QUEUED: "pending",
    JobStatus.RUNNING: "processing",
    JobStatus.SUCCEEDED: "completed",
    JobStatus.FAILED: "failed",
    JobStatus.CANCELLED: "cancelled",
}
# recorded failure code -> (HTTP-like code, apimart error type)
_FAILURES = {
    "invalid_input": (400, "invalid_request_error"),
    "content_filtered": (400, "invalid_request_error"),
    "provider_error": (502, "server_error"),
    "deadline_exceeded": (504, "server_error"),
}


def error_type(status_code: int) -> str:
    if status_code == 401:
        return "authentication_error"
    if status_code == 402:
        return "insufficient_quota"
    if status_code == 429:
        return "rate_limit_error"
    if status_code >= 500:
        return "server_error"
    return "invalid_request_error"


def submitted(job: Job) -> dict[str, Any]:
    return {"code": 200, "data": [{"status": "submitted", "task_id": ID_FORM.render(job.id)}]}


def generation_task(job: Job, estimated: int, request_id: str) -> dict[str, Any]:
    """The create answer of the current contract (`X-APIMart-Response-Version`)."""
    data: dict[str, Any] = {
        "id": ID_FORM.render(job.id),
        "object": "generation.task",
        "model": job.spec.public_model,
        "status": _STATUS[job.status],
        "progress": job.progress,
        "created": int(job.created_at.timestamp()),
        "type": "video",
        "task_info": {"can_cancel": not job.status.terminal, "estimated_time": estimated},
    }
    if job.warnings:
        data["warnings"] = job.warnings
    return {"code": 200, "data": data, "request_id": request_id}


def task(job: Job, links: list[SignedUrl], estimated: int, language: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": ID_FORM.render(job.id),
        "status": _STATUS[job.status],
        "progress": job.progress,
        "created": int(job.created_at.timestamp()),
        "estimated_time": estimated,
    }
    if job.warnings:
        data["warnings"] = job.warnings
    if (usage := job.usage()) is not None:
        data["usage"] = usage
    if job.status is JobStatus.SUCCEEDED and job.finished_at is not None:
        videos = []
        for link in links:
            videos.append({"url": [link.url], "expires_at": link.expires_at})
        data["result"] = {"videos": videos}
        if job.files_expired_at is not None:
            data["result"]["expired"] = True
        data["completed"] = int(job.finished_at.timestamp())
        data["actual_time"] = max(0, round((job.finished_at - job.created_at).total_seconds()))
    elif job.status is JobStatus.FAILED:
        code, kind = _FAILURES.get(job.error_code or "", (500, "server_error"))
        message = localize(job.error_code, job.error_message or "generation failed", language)
        data["error"] = {"code": code, "message": message, "type": kind}
    return {"code": 200, "data": data}


def render_error(exc: VeogateError, request: Request) -> Response:
    body = {
        "code": exc.status_code,
        "error": {
            "message": exc.message,
            "type": error_type(exc.status_code),
            "code": exc.code,
            "param": exc.param,
        },
    }
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}
    if asked_version(request) is not None:
        headers[VERSION_HEADER] = CURRENT
    return JSONResponse(body, status_code=exc.status_code, headers=headers)
