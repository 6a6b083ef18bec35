"""`wait`'s decisions, shared by both clients: follow the job's event stream, resume it after
a drop with `Last-Event-ID`, and fall back to polling where the stream is not served."""

from __future__ import annotations

import enum
import json
import time
from collections.abc import Callable

from veogate.client import wire
from veogate.client.errors import WaitTimedOut
from veogate.client.records import Job
from veogate.client.sse import ServerEvent

ProgressCallback = Callable[[Job], object]

TERMINAL_EVENTS = frozenset({"job.succeeded", "job.failed", "job.cancelled"})
NO_STREAM_STATUSES = frozenset({404, 405, 406, 429, 501})
"""Answers that mean "poll instead": the route is missing or refused (a proxy, an older
server), or the key has too many streams open. A missing job is then a 404 of the poll."""
MAX_DROPS = 3
"""Streams in a row that end with no event before polling takes over."""
HEARTBEAT_PATIENCE = 45.0
"""Seconds a stream may stay silent (the server sends a keepalive every 15 s)."""


class Opened(enum.Enum):
    STREAM = "stream"
    """Read the events."""
    ENDED = "ended"
    """204: the job had already ended when the stream resumed."""
    POLL = "poll"
    """No stream here: poll the status."""
    FAILED = "failed"
    """An error to raise."""


class Follower:
    """One `wait`: the last event seen, the deadline, and whether to poll."""

    def __init__(self, job_id: str, base_url: str, timeout: float) -> None:
        self.job_id = job_id
        self.base_url = base_url
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.last_event_id: str | None = None
        self.polling = False
        self.ended = False
        self.drops = 0

    def stream_call(self) -> wire.Call:
        return wire.events_call(self.job_id, self.last_event_id)

    def stream_read_timeout(self) -> float:
        return max(0.1, min(HEARTBEAT_PATIENCE, self.remaining()))

    def opened(self, status: int, content_type: str) -> Opened:
        if status == 204:
            self.ended = True
            return Opened.ENDED
        if status in NO_STREAM_STATUSES or (
            status == 200 and not content_type.startswith("text/event-stream")
        ):
            self.polling = True
            return Opened.POLL
        return Opened.STREAM if status == 200 else Opened.FAILED

    def event(self, event: ServerEvent) -> Job | None:
        """Take one event; the job it shows, when it is an OpenAI Video (the jobs this client
        creates), else None (read the job)."""
        self.drops = 0
        if event.id is not None:
            self.last_event_id = event.id
        if event.type in TERMINAL_EVENTS:
            self.ended = True
        try:
            body = json.loads(event.data)
        except ValueError:
            return None
        shown = body.get("data") if isinstance(body, dict) else None
        if isinstance(shown, dict) and shown.get("object") == "video":
            return wire.job_of(shown, self.base_url)
        return None

    def dropped(self) -> float:
        """The stream ended without the job's end: seconds to pause before reconnecting."""
        self.drops += 1
        if self.drops >= MAX_DROPS:
            self.polling = True
        return 0.2 * self.drops

    def remaining(self) -> float:
        """Seconds left; raises WaitTimedOut once there are none."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise WaitTimedOut(
                f"job {self.job_id} had not ended after {self.timeout:g} s; it keeps running",
                code="wait_timeout",
            )
        return left

    def pause(self, wanted: float) -> float:
        return min(wanted, self.remaining())
