"""What passes between durable steps: the JSON that DBOS records, typed.

A recorded result is replayed instead of re-running its step, so these shapes are a wire
format: a workflow recorded by an earlier release must still read. Keys may be added (as
`NotRequired`), never renamed or given new meanings. `ok` tags every result that can fail,
so `if not result["ok"]` narrows to the failure type.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

SpecJson = dict[str, Any]
"""A `JobSpec` as `model_dump(mode="json")` writes it."""
OutputJson = dict[str, Any]
"""An `Output` as `model_dump(mode="json")` writes it."""


class Policy(TypedDict):
    """Retry and polling settings as they were when the job began (replays decide alike)."""

    max_attempts: int
    retry_base: float
    retry_max: float
    poll_initial: float
    poll_max: float
    poll_backoff: float


class Started(TypedDict):
    """`begin_job`: what the rest of the workflow decides with."""

    spec: SpecJson
    provider: str
    remote: bool
    deadline: float
    """Seconds since the epoch after which the job fails."""
    expected_seconds: float
    policy: Policy


class Failed(TypedDict):
    """An expected failure of a step, to be recorded on the job."""

    ok: Literal[False]
    code: str
    message: str
    param: str | None


class InputsResolved(TypedDict):
    ok: Literal[True]
    spec: SpecJson
    """The spec with every input image's stored key."""


ResolveResult = InputsResolved | Failed


class Rendered(TypedDict):
    ok: Literal[True]
    output: OutputJson


RenderResult = Rendered | Failed


class Submitted(TypedDict):
    ok: Literal[True]
    operation: str
    now: float
    watched: NotRequired[bool]
    """The step also handed the operation to the poller (absent in results of 0.1)."""


class UpstreamFailed(TypedDict):
    """A failed call to a remote provider, with what the workflow needs to decide a retry."""

    ok: Literal[False]
    retryable: bool
    maybe_accepted: bool
    """The upstream may have acted on it (a submit that timed out): never resend."""
    retry_after: float | None
    code: str
    message: str
    now: float
    waiting: NotRequired[bool]
    """Not a failure of the call: the credential is at its in-flight cap, so nothing was
    sent; the workflow waits `retry_after` and asks again, without spending an attempt."""


SubmitResult = Submitted | UpstreamFailed
