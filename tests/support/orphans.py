"""What an API process leaves behind when it dies after committing a job but before
enqueueing its workflow: a job row, and no workflow. Made through the real service."""

from __future__ import annotations

import asyncio

from veogate.auth.keys import Caller
from veogate.catalog import SpecDraft, load_catalog, validate
from veogate.db.engine import create_engine, session_factory
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService, Submission


def commit_without_enqueue(database_url: str, key_id: str) -> str:
    """Commit one small apimart preview job for `key_id`; return its id."""

    async def commit() -> str:
        engine = create_engine(database_url)
        spec = validate(
            SpecDraft(model="veo3.1-fast-official", prompt="orphan", duration_seconds=4),
            catalog=load_catalog(),
            dialect="apimart",
            default_seed=1,
        )
        submission = Submission(
            dialect="apimart",
            id_prefix="task",
            upper_id=True,
            spec=spec,
            idempotency_key=None,
            request_fingerprint="orphan",
            provider="preview",
        )
        try:
            async with session_factory(engine)() as session:
                submitted = await JobService(JobRepository(session)).submit(
                    Caller(key_id=key_id, name="orphan-maker"), submission
                )
                await session.commit()
        finally:
            await engine.dispose()
        return submitted.job.id

    return asyncio.run(commit())
