"""Server-sent events over HTTP: `GET /v1/jobs/{id}/events` and `GET /v1/events`.

Dialect-neutral (any dialect's job id is accepted), so errors have the plain JSON shape. All
checks happen before the response starts, while an error can still be a status code: a
missing key is 401, another key's job 404 (as on status reads), a bad `Last-Event-ID` 400, a
key already holding `events_max_streams_per_key` streams in this process 429. A job's stream
resumed after the job's terminal event answers 204, which tells an EventSource to stop
reconnecting.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.types import Receive, Scope, Send

from veogate.api.deps import Caller, ServicesDep
from veogate.api.routing import dialect_route_class
from veogate.auth.keys import Caller as CallerIdentity
from veogate.db.transactions import scoped
from veogate.delivery.events import Event, EventRepository
from veogate.delivery.hub import EventHub, Subscription
from veogate.delivery.sse import PAGE_SIZE, EventStream, ReadAfter, Render
from veogate.dialects.status import render_status
from veogate.errors import InvalidRequest, RateLimited, VeogateError
from veogate.jobs.lifecycle import event_seq
from veogate.jobs.model import Job
from veogate.jobs.service import read_job
from veogate.wiring import Services

log = logging.getLogger(__name__)

STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
TOO_MANY_STREAMS_RETRY_AFTER = 5


def render_error(exc: VeogateError, request: Request) -> Response:
    body = {"error": {"message": exc.message, "code": exc.code, "param": exc.param}}
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


router = APIRouter(route_class=dialect_route_class(render_error), tags=["events"])
LastEventId = Annotated[str | None, Header(alias="Last-Event-ID")]
LastEventIdQuery = Annotated[
    str | None,
    Query(alias="last_event_id", description="For clients that cannot send Last-Event-ID."),
]


async def _resume_after(
    last_event_id: LastEventId = None, last_event_id_query: LastEventIdQuery = None
) -> int | None:
    """The sequence number to resume after (the header wins over the query), or None."""
    given = last_event_id if last_event_id is not None else last_event_id_query
    if given is None or not given.strip():
        return None
    seq = event_seq(given.strip())
    if seq is None:
        raise InvalidRequest(
            f"Last-Event-ID must be an event id (evt_...), got {given[:40]!r}",
            param="Last-Event-ID",
        )
    return seq


ResumeAfter = Annotated[int | None, Depends(_resume_after)]


class EventStreamResponse(StreamingResponse):
    """A stream that gives its subscription back however it ends (even if never started)."""

    media_type = "text/event-stream"

    def __init__(self, frames: AsyncIterator[bytes], on_close: Callable[[], None]) -> None:
        super().__init__(frames, headers=STREAM_HEADERS)
        self._on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._on_close()


_DOCUMENTED: dict[str, Any] = {
    "status_code": 200,
    "response_class": EventStreamResponse,
    "responses": {
        200: {"content": {"text/event-stream": {}}, "description": "The event stream."},
        204: {"description": "The job ended before `Last-Event-ID`: nothing more will come."},
        429: {"description": "The key has the most streams it may have open here."},
    },
}


@router.get("/v1/jobs/{job_id}/events", **_DOCUMENTED)
async def job_events(
    job_id: str,
    request: Request,
    caller: Caller,
    services: ServicesDep,
    resume: ResumeAfter,
) -> Response:
    """The job's events so far, then new ones as they happen, until its terminal event."""
    job = await read_job(services.jobs, caller, job_id)
    after = resume or 0
    opened = await _Opened.open(request, services, caller, after, job_id=job.id)
    if job.status.terminal and not any(event.type.terminal for event in opened.replay):
        opened.close()  # its end was sent already: nothing more will come
        return Response(status_code=204)
    return opened.respond(after, until_terminal=True)


@router.get("/v1/events", **_DOCUMENTED)
async def key_events(
    request: Request,
    caller: Caller,
    services: ServicesDep,
    resume: ResumeAfter,
) -> Response:
    """Every event of the caller's jobs from now on (after `Last-Event-ID` when given)."""
    opened = await _Opened.open(request, services, caller, resume)
    return opened.respond(opened.hub.position() if resume is None else resume, until_terminal=False)


@dataclass
class _Opened:
    """A stream's subscription, made before its first page was read from the table (so no
    event falls between the two), with that page."""

    services: Services
    hub: EventHub
    sub: Subscription
    read_after: ReadAfter
    replay: list[Event]

    @classmethod
    async def open(
        cls,
        request: Request,
        services: Services,
        caller: CallerIdentity,
        after: int | None,
        job_id: str | None = None,
    ) -> _Opened:
        hub: EventHub = request.app.state.hub
        _check_room(hub, caller, services.settings.events_max_streams_per_key)
        owner = None if job_id is not None else caller.key_id
        read_after = _reader(services, owner_key_id=owner, job_id=job_id)
        sub = hub.subscribe(caller.key_id, job_id, stream=True)
        try:
            replay = [] if after is None else await read_after(after)
        except BaseException:
            hub.unsubscribe(sub)
            raise
        return cls(services, hub, sub, read_after, replay)

    def close(self) -> None:
        self.hub.unsubscribe(self.sub)

    def respond(self, after: int, *, until_terminal: bool) -> Response:
        stream = EventStream(
            subscription=self.sub,
            render=_renderer(self.services),
            read_after=self.read_after,
            after=after,
            heartbeat_seconds=self.services.settings.events_heartbeat_seconds,
            until_terminal=until_terminal,
            replay=self.replay,
        )
        return EventStreamResponse(_guarded(stream), self.close)


async def _guarded(stream: EventStream) -> AsyncIterator[bytes]:
    """The stream, ended quietly if the database fails under it (the client reconnects with
    its Last-Event-ID), instead of an error in the middle of a response."""
    try:
        async for chunk in stream.frames():
            yield chunk
    except Exception:
        log.warning("event stream ended by an error", exc_info=True)


def _check_room(hub: EventHub, caller: CallerIdentity, limit: int) -> None:
    if hub.streams_of(caller.key_id) >= limit:
        raise RateLimited(
            f"this API key already has {limit} event streams open here, the most allowed; "
            "close one, or use GET /v1/events for all of the key's jobs at once",
            retry_after=TOO_MANY_STREAMS_RETRY_AFTER,
            code="too_many_streams",
        )


def _reader(
    services: Services, *, owner_key_id: str | None = None, job_id: str | None = None
) -> ReadAfter:
    async def read_after(seq: int) -> list[Event]:
        async with scoped(services.sessions) as session:
            return await EventRepository(session).after(
                seq, owner_key_id=owner_key_id, job_id=job_id, limit=PAGE_SIZE
            )

    return read_after


def _renderer(services: Services) -> Render:
    """Each event's job as its dialect renders it now; each job read once per batch."""

    async def render(events: Sequence[Event]) -> list[dict[str, Any] | None]:
        statuses: dict[str, dict[str, Any] | None] = {}
        for job_id in dict.fromkeys(event.job_id for event in events):
            job: Job | None = await services.jobs.get(job_id)
            statuses[job_id] = None if job is None else await render_status(job, services)
        return [statuses[event.job_id] for event in events]

    return render
