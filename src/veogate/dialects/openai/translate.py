"""Jobs and errors in the words of OpenAI's Videos API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from veogate.dialects.openai.schemas import ID_FORM
from veogate.errors import VeogateError
from veogate.jobs.model import Job, JobStatus

POLL_AFTER_HEADER = "openai-poll-after-ms"
MIN_POLL_AFTER_MS = 1_000
MAX_POLL_AFTER_MS = 30_000
POLLS_PER_REMAINING = 6

_STATUS = {
    JobStatus.QUEUED: "queued",
    JobStatus.RUNNING: "in_progress",
    JobStatus.SUCCEEDED: "completed",
    JobStatus.FAILED: "failed",
    JobStatus.CANCELLED: "failed",
}
# veogate's code -> the one OpenAI clients know, where they differ.
_CODES = {
    "invalid_resolution": "invalid_size",
    "invalid_aspect_ratio": "invalid_size",
    "invalid_duration": "invalid_seconds",
    "unauthorized": "invalid_api_key",
}
_BUDGET_CODES = ("insufficient_quota", "insufficient_credits", "insufficient_funds")


def video(job: Job, *, size: str, retention: timedelta) -> dict[str, Any]:
    """The Video object: `size` is the job's output geometry (`WxH`), `retention` how long
    its files are kept after it ends."""
    finished = job.finished_at if job.status.terminal else None
    body = {
        "id": ID_FORM.render(job.id),
        "object": "video",
        "model": job.spec.public_model,
        "status": _STATUS[job.status],
        "progress": job.progress,
        "created_at": _unix(job.created_at),
        "completed_at": None if finished is None else _unix(finished),
        "expires_at": _expires_at(job, retention),
        "prompt": job.spec.prompt,
        "seconds": str(job.spec.duration_seconds),
        "size": size,
        "n": job.spec.sample_count,
        "remixed_from_video_id": None,
        "error": _error(job),
    }
    if (usage := job.usage()) is not None:
        body["usage"] = usage
    return body


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _expires_at(job: Job, retention: timedelta) -> int | None:
    if job.status is not JobStatus.SUCCEEDED or job.finished_at is None:
        return None
    if job.files_expired_at is not None:
        return _unix(job.files_expired_at)
    return _unix(job.finished_at + retention)


def _error(job: Job) -> dict[str, str] | None:
    if job.status is JobStatus.CANCELLED:
        return {"code": "cancelled", "message": "the video was cancelled before it finished"}
    if job.status is JobStatus.FAILED:
        return {
            "code": job.error_code or "generation_failed",
            "message": job.error_message or "generation failed",
        }
    return None


def video_list(videos: list[dict[str, Any]], *, has_more: bool) -> dict[str, Any]:
    return {
        "object": "list",
        "data": videos,
        "first_id": videos[0]["id"] if videos else None,
        "last_id": videos[-1]["id"] if videos else None,
        "has_more": has_more,
    }


def deleted(job: Job) -> dict[str, Any]:
    return {"id": ID_FORM.render(job.id), "object": "video.deleted", "deleted": True}


def poll_after_ms(job: Job, expected_seconds: float, now: datetime) -> int:
    """How long a client should wait before reading an unfinished job again: a sixth of
    the time it is expected to still need, within bounds. That is read off its progress
    once it reports some, else off `expected_seconds` (the model's typical time from
    acceptance to the end)."""
    elapsed = max(0.0, (now - job.created_at).total_seconds())
    if job.status is JobStatus.RUNNING and 0 < job.progress < 100:
        remaining = elapsed * (100 - job.progress) / job.progress
    else:
        remaining = expected_seconds - elapsed
    wait = round(remaining * 1000 / POLLS_PER_REMAINING)
    return max(MIN_POLL_AFTER_MS, min(MAX_POLL_AFTER_MS, wait))


def error_type(exc: VeogateError) -> str:
    if exc.status_code == 401:
        return "authentication_error"
    if exc.status_code == 402 or exc.code in _BUDGET_CODES:
        return "insufficient_quota"
    if exc.status_code == 429:
        return "rate_limit_error"
    if exc.status_code >= 500:
        return "server_error"
    return "invalid_request_error"


def render_error(exc: VeogateError, request: Request) -> Response:
    body = {
        "error": {
            "message": exc.message,
            "type": error_type(exc),
            "param": exc.param,
            "code": _CODES.get(exc.code, exc.code),
        }
    }
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    return JSONResponse(body, status_code=exc.status_code, headers=headers)
