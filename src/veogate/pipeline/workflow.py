"""One job = one durable workflow (`workflow_id` = job id), for the work that must happen
exactly once; waiting on an upstream is left to the poller.

    begin_job -> resolve_inputs -> local:  render_sample × N -> finish_job
                                   remote: submit_upstream   -> (the poller)
    (any failure)                                            -> fail_job

Every step is checkpointed by DBOS: after a crash the workflow resumes at the first
step that had not finished, and finished steps are never run again — in particular a
paid upstream submit. Code outside the steps re-runs on recovery, so it is deterministic:
times come from step results, jitter from the job id.

A remote job's workflow ends once the operation is submitted and handed to the poller
(`poller.py`), which looks at the operations of many jobs at a time and ends each job when
its operation is done. Workflows recorded by veogate 0.1, which slept and polled in the
workflow itself, replay unchanged up to their submit (same steps, same order) and are then
handed over the same way: the steps they recorded after it are simply not asked for again.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from dbos import DBOS

from veogate.db.transactions import transact
from veogate.logs import about_job
from veogate.pipeline.backoff import backoff_seconds
from veogate.pipeline.context import services
from veogate.pipeline.remote_steps import submit_upstream, watch_operation
from veogate.pipeline.results import (
    OutputJson,
    Policy,
    RenderResult,
    SpecJson,
    Started,
    SubmitResult,
    UpstreamFailed,
)
from veogate.pipeline.steps import (
    begin_job,
    fail_job,
    finish_job,
    render_sample,
    resolve_inputs,
)

log = logging.getLogger(__name__)


@DBOS.workflow(name="veogate.run_job")
async def run_job(job_id: str) -> str:
    with about_job(job_id):  # every line logged while running it names the job
        return await _run_job(job_id)


async def _run_job(job_id: str) -> str:
    started = await begin_job(job_id)
    if started is None:
        return "skipped"
    inputs = await resolve_inputs(job_id, started["spec"])
    if not inputs["ok"]:
        await fail_job(job_id, inputs["code"], inputs["message"], [])
        return "failed"
    if started["remote"]:
        return await _submit_remote(job_id, started, inputs["spec"])
    return await _run_local(job_id, started["provider"], inputs["spec"])


async def _run_local(job_id: str, provider: str, spec: SpecJson) -> str:
    outputs: list[OutputJson] = []
    for index in range(int(spec["sample_count"])):
        result: RenderResult
        try:
            result = await render_sample(job_id, provider, spec, index)
        except Exception as exc:  # a bug, not an expected failure: record it, don't leak it
            log.exception("job %s sample %d crashed", job_id, index)
            message = f"internal error ({type(exc).__name__})"
            result = {"ok": False, "code": "internal_error", "message": message, "param": None}
        if not result["ok"]:
            await fail_job(job_id, result["code"], result["message"], _keys(outputs))
            return "failed"
        outputs.append(result["output"])
    return await finish_job(job_id, outputs, [], False)


async def _with_retries(
    job_id: str,
    what: str,
    policy: Policy,
    deadline: float,
    call: Callable[[int], Awaitable[SubmitResult]],
) -> SubmitResult:
    """Run a step (given its attempt number) until it succeeds, fails for good, or runs out
    of attempts. A `waiting` answer (nothing was sent) costs no attempt; it is bounded by
    the job's deadline instead."""
    attempt = 0
    while True:
        result = await call(attempt)
        if result["ok"] or not result["retryable"] or result["maybe_accepted"]:
            return result
        if result.get("waiting"):
            wait = result["retry_after"] or 1.0
            if result["now"] + wait > deadline:
                return _past_deadline(result)
            await DBOS.sleep_async(wait)
            continue
        if attempt + 1 >= policy["max_attempts"]:
            result["message"] = f"{result['message']} (gave up after {attempt + 1} attempts)"
            return result
        await DBOS.sleep_async(
            backoff_seconds(job_id, what, attempt, policy, result["retry_after"])
        )
        attempt += 1


def _past_deadline(result: UpstreamFailed) -> UpstreamFailed:
    return result | {
        "retryable": False,
        "code": "deadline_exceeded",
        "message": "the job did not finish before its deadline "
        "(its provider had too many operations in flight)",
    }


async def _submit_remote(job_id: str, started: Started, spec: SpecJson) -> str:
    provider = started["provider"]
    submitted = await _with_retries(
        job_id,
        "submit",
        started["policy"],
        started["deadline"],
        functools.partial(submit_upstream, job_id, provider, spec),
    )
    if not submitted["ok"]:
        message = submitted["message"]
        if submitted["maybe_accepted"]:
            message += (
                " (not retried: the upstream may have accepted it, and a retry could pay twice)"
            )
        await fail_job(job_id, submitted["code"], message, [])
        return "failed"
    if not submitted.get("watched"):
        # Recorded by veogate 0.1, whose submit step did not hand the operation over. Not a
        # step (nothing new is recorded, so those workflows replay as they were).
        svc = services()
        await transact(
            svc.sessions,
            lambda s: watch_operation(s, svc, job_id, provider, submitted["operation"]),
            what=f"job {job_id}: handing operation to the poller",
        )
    return "submitted"


def _keys(outputs: list[OutputJson]) -> list[str]:
    return [str(o["storage_key"]) for o in outputs]
