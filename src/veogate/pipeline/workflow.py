"""One job = one durable workflow (`workflow_id` = job id).

    begin_job -> resolve_inputs -> render_sample × N -> finish_job      (or fail_job)

Every step is checkpointed by DBOS: after a crash the workflow resumes at the first
step that had not finished, and finished steps are never run again. Code outside the
steps re-runs on recovery, so it stays deterministic.
"""

from __future__ import annotations

import logging
from typing import Any

from dbos import DBOS

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
    started = await begin_job(job_id)
    if started is None:
        return "skipped"
    inputs = await resolve_inputs(job_id, started["spec"])
    if not inputs["ok"]:
        await fail_job(job_id, inputs["code"], inputs["message"], [])
        return "failed"
    spec: dict[str, Any] = inputs["spec"]
    outputs: list[dict[str, Any]] = []
    for index in range(int(spec["sample_count"])):
        try:
            result = await render_sample(job_id, started["provider"], spec, index)
        except Exception as exc:  # a bug, not an expected failure: record it, don't leak it
            log.exception("job %s sample %d crashed", job_id, index)
            result = {
                "ok": False,
                "code": "internal_error",
                "message": f"internal error ({type(exc).__name__})",
            }
        if not result["ok"]:
            await fail_job(
                job_id, result["code"], result["message"], [o["storage_key"] for o in outputs]
            )
            return "failed"
        outputs.append(result["output"])
    return await finish_job(job_id, outputs)
