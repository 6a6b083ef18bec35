"""A job's legal moves and the events they write. Pure rules: no I/O.

    queued     accepted and durably recorded               -> running, failed, cancelled
    running    a worker generates, waits on the upstream,  -> succeeded, failed, cancelled
               downloads or stores
    succeeded  every output stored                          (terminal)
    failed     ended without outputs, saying why            (terminal)
    cancelled  stopped at the owner's request               (terminal)

Besides a change of status, three things happen to a job that clients are told about:
progress (at most one event per `PROGRESS_STEP` percent), the expiry of its files
(retention), and its deletion. Every one of them is written by `JobRepository` in the
transaction that makes the change: the event table is the outbox that webhooks and
server-sent events read (`../shared/spec/delivery.md`).
"""

from __future__ import annotations

import enum

from veogate.jobs.model import JobStatus

PROGRESS_STEP = 5
"""A `job.progress` event is written when progress enters a new step of this many percent."""


class EventType(enum.StrEnum):
    """What clients are told (webhooks, server-sent events). The wire names of the spec."""

    QUEUED = "job.queued"
    STARTED = "job.started"
    PROGRESS = "job.progress"
    SUCCEEDED = "job.succeeded"
    FAILED = "job.failed"
    CANCELLED = "job.cancelled"
    EXPIRED = "job.expired"
    DELETED = "job.deleted"

    @property
    def terminal(self) -> bool:
        """The last event of a job's run (a stream of the job ends after it)."""
        return self in (EventType.SUCCEEDED, EventType.FAILED, EventType.CANCELLED)


class StepNote(enum.StrEnum):
    """The pipeline's own trail, kept beside the events for operators; never delivered."""

    INPUTS_STORED = "inputs_stored"
    SAMPLE_STARTED = "sample_started"
    SAMPLE_STORED = "sample_stored"
    SUBMIT_SENT = "submit_sent"
    SUBMITTED = "submitted"


LIVE_VALUES = tuple(status.value for status in JobStatus if not status.terminal)
"""The stored values of the states a job can still leave (for queries)."""

_SOURCES: dict[JobStatus, tuple[JobStatus, ...]] = {
    JobStatus.QUEUED: (),
    JobStatus.RUNNING: (JobStatus.QUEUED,),
    JobStatus.SUCCEEDED: (JobStatus.RUNNING,),
    JobStatus.FAILED: (JobStatus.QUEUED, JobStatus.RUNNING),
    JobStatus.CANCELLED: (JobStatus.QUEUED, JobStatus.RUNNING),
}

_ARRIVAL: dict[JobStatus, EventType] = {
    JobStatus.QUEUED: EventType.QUEUED,
    JobStatus.RUNNING: EventType.STARTED,
    JobStatus.SUCCEEDED: EventType.SUCCEEDED,
    JobStatus.FAILED: EventType.FAILED,
    JobStatus.CANCELLED: EventType.CANCELLED,
}


def sources(target: JobStatus) -> tuple[JobStatus, ...]:
    """The states a job may move to `target` from (none for `queued`: it only begins there)."""
    return _SOURCES[target]


def can_move(current: JobStatus, target: JobStatus) -> bool:
    return current in _SOURCES[target]


def arrival_event(target: JobStatus) -> EventType:
    """The event written when a job enters `target`."""
    return _ARRIVAL[target]


def progress_step(percent: int) -> int:
    return percent // PROGRESS_STEP


def event_public_id(seq: int) -> str:
    """`evt_` + the event's sequence number, zero-padded so ids sort as they were written."""
    return f"evt_{seq:012d}"


def event_seq(public_id: str) -> int | None:
    """The sequence number of an `evt_` id (a `Last-Event-ID`), or None if it is not one."""
    digits = public_id.removeprefix("evt_")
    if digits == public_id or not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        return None
    return int(digits)
