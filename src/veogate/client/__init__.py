"""A Python client for veogate's API (sync and async, on httpx), and nothing of the server:
it imports no other `veogate` module, so it can be used wherever httpx is installed.

    from veogate.client import Client

    with Client("http://127.0.0.1:8080", "vg_...") as client:
        job = client.create("a lighthouse at dusk", model="veo-3.1-fast", duration=4)
        job = client.wait(job.id, on_progress=lambda j: print(j.progress))
        client.download(job.id, "lighthouse.mp4")

See docs/client.md.
"""

from veogate.client.aio import AsyncClient
from veogate.client.errors import (
    BadRequest,
    Conflict,
    ConnectionFailed,
    Forbidden,
    InsufficientCredits,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    VeogateError,
    WaitTimedOut,
)
from veogate.client.images import ImageSource
from veogate.client.records import Job, JobError, JobPage, JobStatus, Model, Pricing, Usage
from veogate.client.sync import Client

__all__ = [
    "AsyncClient",
    "BadRequest",
    "Client",
    "Conflict",
    "ConnectionFailed",
    "Forbidden",
    "ImageSource",
    "InsufficientCredits",
    "Job",
    "JobError",
    "JobPage",
    "JobStatus",
    "Model",
    "NotFound",
    "Pricing",
    "RateLimited",
    "ServerError",
    "Unauthorized",
    "Usage",
    "VeogateError",
    "WaitTimedOut",
]
