"""One job = one durable workflow (`workflow_id` = job id).

    begin_job -> resolve_inputs -> local:  render_sample × N                -> finish_job
                                   remote: submit_upstream, (sleep, poll)*,
                                           download_sample × N              -> finish_job
    (any failure)                                                           -> fail_job

Every step is checkpointed by DBOS: after a crash the workflow resumes at the first
step that had not finished, and finished steps are never run again — in particular a
paid upstream submit. Code outside the steps re-runs on recovery, so it is deterministic:
times come from step results, jitter from the job id.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from dbos import DBOS

from veogate.pipeline.remote_steps import download_sample, poll_upstream, submit_upstream
from veogate.pipeline.steps import (
    begin_job,
    fail_job,
    finish_job,
    render_sample,
    resolve_inputs,
)

log = logging.getLogger(__name__)
Result = dict[str, Any]


@DBOS.workflow(name="veogate.run_job")
async def run_job(job_id: str) -> str:
    started = await begin_job(job_id)
    if started is None:
        return "skipped"
    inputs = await resolve_inputs(job_id, started["spec"])
    if not inputs["ok"]:
        await fail_job(job_id, inputs["code"], inputs["message"], [])
        return "failed"
    if started["remote"]:
        return await _run_remote(job_id, started, inputs["spec"])
    return await _run_local(job_id, started["provider"], inputs["spec"])


async def _run_local(job_id: str, provider: str, spec: dict[str, Any]) -> str:
    outputs: list[Result] = []
    for index in range(int(spec["sample_count"])):
        try:
            result = await render_sample(job_id, provider, spec, index)
        except Exception as exc:  # a bug, not an expected failure: record it, don't leak it
            log.exception("job %s sample %d crashed", job_id, index)
            result = {
                "ok": False,
                "code": "internal_error",
                "message": f"internal error ({type(exc).__name__})",
            }
        if not result["ok"]:
            await fail_job(job_id, result["code"], result["message"], _keys(outputs))
            return "failed"
        outputs.append(result["output"])
    return await finish_job(job_id, outputs, [], False)


def backoff_seconds(
    job_id: str, what: str, attempt: int, policy: dict[str, Any], retry_after: float | None
) -> float:
    """Exponential backoff with deterministic jitter, capped; never shorter than Retry-After
    (the job's deadline still bounds the whole wait)."""
    base = min(policy["retry_max"], policy["retry_base"] * 2**attempt)
    digest = hashlib.sha256(f"{job_id}:{what}:{attempt}".encode()).digest()
    jittered = base * (0.5 + digest[0] / 510)  # 50%..100% of the step
    return float(max(min(policy["retry_max"], jittered), retry_after or 0.0))


async def _with_retries(
    job_id: str, what: str, policy: dict[str, Any], call: Callable[[int], Awaitable[Result]]
) -> Result:
    """Run a step (given its attempt number) until it succeeds, fails for good, or runs out
    of attempts."""
    result: Result = {}
    for attempt in range(policy["max_attempts"]):
        result = await call(attempt)
        if result["ok"] or not result["retryable"] or result.get("maybe_accepted"):
            return result
        if attempt + 1 < policy["max_attempts"]:
            await DBOS.sleep_async(
                backoff_seconds(job_id, what, attempt, policy, result["retry_after"])
            )
    result["message"] = f"{result['message']} (gave up after {policy['max_attempts']} attempts)"
    return result


async def _run_remote(job_id: str, started: dict[str, Any], spec: dict[str, Any]) -> str:
    provider, policy, deadline = started["provider"], started["policy"], started["deadline"]
    submitted = await _with_retries(
        job_id, "submit", policy, functools.partial(submit_upstream, job_id, provider, spec)
    )
    if not submitted["ok"]:
        message = submitted["message"]
        if submitted.get("maybe_accepted"):
            message += (
                " (not retried: the upstream may have accepted it, and a retry could pay twice)"
            )
        await fail_job(job_id, submitted["code"], message, [])
        return "failed"
    done = await _poll_until_done(job_id, started, submitted["operation"], deadline)
    if not done["ok"] or not done["samples"]:
        code, message = _poll_failure(done)
        await fail_job(job_id, code, message, [])
        return "failed"
    outputs: list[Result] = []
    for index, sample in enumerate(done["samples"]):
        result = await _with_retries(
            job_id,
            f"download-{index}",
            policy,
            functools.partial(download_sample, job_id, provider, sample, index),
        )
        if not result["ok"]:
            await fail_job(job_id, result["code"], result["message"], _keys(outputs))
            return "failed"
        outputs.append(result["output"])
    return await finish_job(job_id, outputs, _partial_warnings(spec, done), True)


async def _poll_until_done(
    job_id: str, started: dict[str, Any], operation: str, deadline: float
) -> Result:
    provider, policy = started["provider"], started["policy"]
    interval = policy["poll_initial"]
    errors = 0
    while True:
        await DBOS.sleep_async(interval)
        result = await poll_upstream(job_id, provider, operation, started["expected_seconds"])
        if result["ok"] and result["done"]:
            return result
        if not result["ok"]:
            errors += 1
            if not result["retryable"]:
                return result
            if errors >= policy["max_attempts"]:
                return result | {
                    "message": f"{result['message']} (gave up after {errors} attempts)"
                }
            interval = backoff_seconds(job_id, "poll", errors, policy, result["retry_after"])
        else:
            errors = 0
            interval = min(policy["poll_max"], interval * policy["poll_backoff"])
        if result["now"] + interval > deadline:
            return {
                "ok": False,
                "code": "deadline_exceeded",
                "message": "the job did not finish before its deadline",
            }


def _poll_failure(done: Result) -> tuple[str, str]:
    if not done["ok"]:
        return done["code"], done["message"]
    if done.get("error_message"):
        return (
            "provider_error",
            f"upstream operation failed ({done['error_code']}): {done['error_message']}",
        )
    if done["filtered_count"]:
        reasons = "; ".join(done["filtered_reasons"]) or "no reason given"
        return (
            "content_filtered",
            f"all samples were blocked by the upstream's safety filters: {reasons}",
        )
    return "provider_error", "the upstream operation finished without any video"


def _partial_warnings(spec: dict[str, Any], done: Result) -> list[str]:
    asked, got = int(spec["sample_count"]), len(done["samples"])
    if got >= asked:
        return []
    reasons = "; ".join(done["filtered_reasons"]) or "no reason given"
    return [
        f"partial result: {got} of {asked} samples delivered; "
        f"{done['filtered_count']} filtered ({reasons})"
    ]


def _keys(outputs: list[Result]) -> list[str]:
    return [o["storage_key"] for o in outputs]
