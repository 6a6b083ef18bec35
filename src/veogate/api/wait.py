"""`Prefer: wait=N` (RFC 7240) on creates and status reads: answer when the job has ended, or
after N seconds, whichever comes first, instead of making the client poll.

The request waits on the event hub (`delivery/hub.py`): it hears of its job's terminal event
from whichever process wrote it, without querying the database while it waits. Then it
answers exactly as it would have without the header, from the job as stored at that moment,
with `Preference-Applied: wait=N`. N above `MAX_WAIT_SECONDS` is lowered to it; a malformed
preference is ignored, as the RFC asks.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from veogate.auth.keys import Caller
from veogate.delivery.hub import EventHub
from veogate.jobs.model import Job
from veogate.jobs.reader import JobReader
from veogate.jobs.service import read_job

MAX_WAIT_SECONDS = 60


def wait_preference(prefer_headers: list[str]) -> int | None:
    """The seconds of the first `wait` preference (clamped), or None if absent or malformed."""
    for header in prefer_headers:
        for preference in header.split(","):
            name, _, value = preference.split(";", 1)[0].partition("=")
            if name.strip().lower() != "wait":
                continue
            value = value.strip().strip('"')
            if not (value.isascii() and value.isdigit()):
                return None
            return MAX_WAIT_SECONDS if len(value) > 9 else min(int(value), MAX_WAIT_SECONDS)
    return None


@dataclass(frozen=True)
class Waiting:
    """How long this request may be held (None: not at all)."""

    seconds: int | None
    deadline: float
    """The event loop's clock when the wait is over (counted from the request's arrival)."""
    hub: EventHub

    async def read(self, reader: JobReader, caller: Caller, job_id: str) -> Job:
        """The caller's job for a status read, once it ended or the wait is over."""
        return await self.settle(await read_job(reader, caller, job_id), reader, caller)

    async def settle(self, job: Job, reader: JobReader, caller: Caller) -> Job:
        """`job` if there is nothing to wait for; else, once it ended or the wait is over,
        the job as stored then."""
        if not self.seconds or job.status.terminal:
            return job
        loop = asyncio.get_running_loop()
        with self.hub.subscription(job.owner_key_id, job.id) as sub:
            job = await read_job(reader, caller, job.id)  # it may have ended before we listened
            while not job.status.terminal and not sub.closed:
                remaining = self.deadline - loop.time()
                if remaining <= 0:
                    break
                await sub.wait(remaining)
                events, lagged = sub.take()
                if lagged or any(event.type.terminal for event in events):
                    job = await read_job(reader, caller, job.id)
        if job.status.terminal:
            return job
        return await read_job(reader, caller, job.id)  # its progress as of now


async def waiting(request: Request, response: Response) -> Waiting:
    """The request's `Prefer: wait` (`Wait`, for a route that always honours it)."""
    # Read from the raw headers: a declared `Header` parameter costs a validation on every
    # status read, the hottest request (`docs/performance.md`). `PREFER_PARAMETER` documents it.
    seconds = wait_preference(request.headers.getlist("prefer"))
    if seconds is not None:
        response.headers["Preference-Applied"] = f"wait={seconds}"
    deadline = asyncio.get_running_loop().time() + (seconds or 0)
    hub: EventHub = request.app.state.hub
    return Waiting(seconds, deadline, hub)


PREFER_PARAMETER: dict[str, Any] = {
    "parameters": [
        {
            "name": "Prefer",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "example": "wait=30"},
            "description": "`wait=N`: answer once the job has ended, or after N ≤ 60 seconds.",
        }
    ]
}
"""OpenAPI for the `Prefer` header, on every route that takes `Wait`."""


Wait = Annotated[Waiting, Depends(waiting)]
"""The request's `Prefer: wait`; sets `Preference-Applied` on the response when honoured."""
