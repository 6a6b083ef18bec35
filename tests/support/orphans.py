"""Job rows with no workflow, made through the real service: what an API process leaves when
it dies right after accepting a job (a row in the inbox, for a dispatcher to hand over), and
what a lost workflow leaves (a row marked handed over whose workflow the engine never got)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from veogate.auth.keys import Caller
from veogate.catalog import SpecDraft, load_catalog, validate
from veogate.db.engine import create_engine, session_factory
from veogate.db.transactions import scoped
from veogate.dialects.apimart.schemas import ID_FORM as APIMART_IDS
from veogate.jobs.inbox_repository import InboxRepository
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService, Submission


def commit_without_enqueue(database_url: str, key_id: str, *, dispatched: bool = False) -> str:
    """Commit one small apimart preview job for `key_id`, in the inbox or (`dispatched`)
    marked as handed to the workflow engine; return its id."""

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
            id_form=APIMART_IDS,
            spec=spec,
            idempotency_key=None,
            request_fingerprint="orphan",
            provider="preview",
        )
        try:
            async with scoped(session_factory(engine)) as session:
                submitted = await JobService(JobRepository(session)).submit(
                    Caller(key_id=key_id, name="orphan-maker"), submission
                )
                if dispatched:
                    now = datetime.now(UTC)
                    await InboxRepository(session).mark_dispatched([submitted.job.id], now)
                await session.commit()
        finally:
            await engine.dispose()
        return submitted.job.id

    return asyncio.run(commit())
