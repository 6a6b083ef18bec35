"""All SQL for jobs, their outputs and idempotency keys."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Integer,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import (
    JobEventRow,
    JobInputRow,
    JobOutputRow,
    JobRow,
    UpstreamOperationRow,
)
from veogate.db.transactions import on_commit
from veogate.ids import ref_of
from veogate.jobs.lifecycle import (
    LIVE_VALUES,
    PROGRESS_STEP,
    EventType,
    StepNote,
    arrival_event,
    sources,
)
from veogate.jobs.model import Job, JobSpec, JobStatus, Output
from veogate.jobs.rows import as_utc, to_job
from veogate.ledger import service as ledger
from veogate.ledger.money import to_credits
from veogate.ledger.repository import LedgerRepository
from veogate.metrics import observe

_LIVE = LIVE_VALUES
_JOBS = cast(Table, JobRow.__table__)
_OUTPUTS = cast(Table, JobOutputRow.__table__)
_INPUTS = cast(Table, JobInputRow.__table__)
_EVENTS = cast(Table, JobEventRow.__table__)
# Built once: status reads are the hottest path, and building a statement costs more than
# running it on SQLite.
_JOB_BY_ID = select(*_JOBS.c).where(_JOBS.c.id == bindparam("job_id"))
_JOB_BY_REF = select(*_JOBS.c).where(_JOBS.c.ref == bindparam("ref"))
_OUTPUTS_OF = select(*_OUTPUTS.c).where(_OUTPUTS.c.job_id == bindparam("job_id"))
_INSERT_JOB = insert(_JOBS)
_INSERT_INPUT = insert(_INPUTS)
_INSERT_EVENT = insert(_EVENTS)
NOTIFY_CHANNEL = "veogate_events"
"""On PostgreSQL every transaction that writes events notifies this channel on commit (a
statement trigger on `job_events`, migration 0007)."""


def _events_of_jobs(kind: EventType, where: Any, detail: Any) -> Any:
    """INSERT ... SELECT: one `kind` event for each job row matching `where`."""
    return insert(_EVENTS).from_select(
        ["job_id", "kind", "detail", "at", "owner_key_id", "fanout"],
        select(
            _JOBS.c.id,
            literal(kind.value),
            detail,
            bindparam("at"),
            _JOBS.c.owner_key_id,
            true(),
        ).where(where),
    )


_PERCENT = bindparam("pct", type_=Integer)
# Progress: an event only when the job enters a new step (written before the row moves).
_PROGRESS_EVENT = _events_of_jobs(
    EventType.PROGRESS,
    (_JOBS.c.id == bindparam("key"))
    & (_JOBS.c.status == JobStatus.RUNNING.value)
    & (_JOBS.c.progress // PROGRESS_STEP < _PERCENT // PROGRESS_STEP),
    bindparam("detail", type_=JSON),
)
_PROGRESS = (
    update(_JOBS)
    .where(
        _JOBS.c.id == bindparam("key"),
        _JOBS.c.status == JobStatus.RUNNING.value,
        _JOBS.c.progress < _PERCENT,
    )
    .values(progress=_PERCENT)
)


class JobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert(self, job: Job) -> None:
        """A new job's row and the stored inputs it uses (Core inserts: no unit of work)."""
        await self.session.execute(
            _INSERT_JOB,
            {
                "id": job.id,
                "ref": ref_of(job.id),
                "owner_key_id": job.owner_key_id,
                "dialect": job.dialect,
                "public_model": job.spec.public_model,
                "spec": job.spec.model_dump(mode="json"),
                "provider": job.provider,
                "status": job.status.value,
                "progress": job.progress,
                "warnings": job.warnings,
                "created_at": job.created_at,
                "callback_url": job.callback_url,
            },
        )
        keys = sorted(set(job.spec.stored_image_keys()))
        if keys:
            await self.session.execute(
                _INSERT_INPUT, [{"job_id": job.id, "storage_key": key} for key in keys]
            )
        await self._publish(job.id, job.owner_key_id, EventType.QUEUED, {}, job.created_at)
        seen = (job.id, job.dialect, job.spec.public_model, job.provider)
        on_commit(self.session, functools.partial(observe.job_accepted, *seen))

    # ------------------------------------------------------------------ the one writer

    async def transition(
        self,
        job_id: str,
        target: JobStatus,
        now: datetime,
        detail: dict[str, Any] | None = None,
        *,
        delivered_seconds: float = 0.0,
        **values: Any,
    ) -> bool:
        """Move the job to `target` if `jobs.lifecycle` allows it from where it is, setting
        `values` too, and write the event of its arrival in the same transaction. False (and
        nothing written) if it may not move: it ended meanwhile, say. Every change of a
        job's status goes through here.

        An end also closes the job's reservation of credits (`ledger.service.close`), in
        this same transaction: a job never ends without its account being settled or
        released, and never has it done twice. `delivered_seconds` is what a success
        delivered."""
        allowed = [status.value for status in sources(target)]
        moved = await self.session.execute(
            update(_JOBS)
            .where(_JOBS.c.id == job_id, _JOBS.c.status.in_(allowed))
            .values(status=target.value, **values)
            .returning(
                _JOBS.c.owner_key_id,
                _JOBS.c.submit_attempt,
                _JOBS.c.public_model,
                _JOBS.c.provider,
                _JOBS.c.created_at,
            )
        )
        job = moved.first()
        if job is None:
            return False
        if target.terminal:
            await self._stop_watching(job_id, target, now)
            await self._close_reservation(
                job_id, target, delivered_seconds, job.submit_attempt is not None, now
            )
        await self._publish(job_id, job.owner_key_id, arrival_event(target), detail or {}, now)
        seen = (job_id, target, job.public_model, job.provider, as_utc(job.created_at), now)
        observed = functools.partial(observe.job_moved, *seen, values.get("error_code"))
        on_commit(self.session, observed)
        return True

    async def _close_reservation(
        self, job_id: str, target: JobStatus, delivered: float, submit_sent: bool, now: datetime
    ) -> None:
        charge = await ledger.close(
            LedgerRepository(self.session),
            job_id,
            target,
            delivered_seconds=delivered,
            submit_sent=submit_sent,
            now=now,
        )
        if charge is not None:
            await self.session.execute(
                update(_JOBS)
                .where(_JOBS.c.id == job_id)
                .values(billable_seconds=charge.seconds, cost=to_credits(charge.amount))
            )

    async def _publish(
        self, job_id: str, owner_key_id: str, kind: EventType, detail: dict[str, Any], now: datetime
    ) -> None:
        await self.session.execute(
            _INSERT_EVENT,
            {
                "job_id": job_id,
                "kind": kind.value,
                "detail": detail,
                "at": now,
                "owner_key_id": owner_key_id,
                "fanout": True,
            },
        )

    async def note(
        self, job_id: str, kind: StepNote, detail: dict[str, Any], now: datetime
    ) -> None:
        """A step of the pipeline's own trail (never delivered to clients)."""
        await self.session.execute(
            _INSERT_EVENT,
            {"job_id": job_id, "kind": kind.value, "detail": detail, "at": now, "fanout": False},
        )

    async def get(self, job_id: str) -> Job | None:
        """The job as stored now (never a copy cached in the session). Outputs are read only
        for a job that succeeded: no other job has any."""
        return await self._read(_JOB_BY_ID, {"job_id": job_id})

    async def find(self, public_id: str) -> Job | None:
        """The job any dialect's spelling of its id names (`veogate.ids`), if it exists."""
        ref = ref_of(public_id)
        return None if ref is None else await self._read(_JOB_BY_REF, {"ref": ref})

    async def _read(self, statement: Select[Any], params: dict[str, str]) -> Job | None:
        row = (await self.session.execute(statement, params)).first()
        if row is None:
            return None
        outputs: list[Any] = []
        if row.status == JobStatus.SUCCEEDED.value:
            outputs = list(await self.session.execute(_OUTPUTS_OF, {"job_id": row.id}))
        return to_job(row, outputs)

    async def get_many(self, job_ids: Sequence[str]) -> dict[str, Job]:
        """`get` for many jobs in two statements (those that exist)."""
        rows = list(await self.session.execute(select(*_JOBS.c).where(_JOBS.c.id.in_(job_ids))))
        succeeded = [r.id for r in rows if r.status == JobStatus.SUCCEEDED.value]
        outputs: dict[str, list[Any]] = {job_id: [] for job_id in succeeded}
        if succeeded:
            found = await self.session.execute(
                select(*_OUTPUTS.c).where(_OUTPUTS.c.job_id.in_(succeeded))
            )
            for output in found:
                outputs[output.job_id].append(output)
        return {row.id: to_job(row, outputs.get(row.id, [])) for row in rows}

    async def start(self, job_id: str, now: datetime) -> bool:
        """queued -> running."""
        return await self.transition(job_id, JobStatus.RUNNING, now, started_at=now)

    async def set_progress(self, job_id: str, progress: int, now: datetime) -> None:
        await self.set_progress_many({job_id: progress}, now)

    async def set_progress_many(self, progress: dict[str, int], now: datetime) -> None:
        """Raise running jobs' progress (never lower it), with a `job.progress` event for
        each job that enters a new step. Two statements for any number of jobs."""
        if not progress:
            return
        rows = [
            {"key": job_id, "pct": pct, "at": now, "detail": {"progress": pct}}
            for job_id, pct in progress.items()
        ]
        connection = await self.session.connection()
        await connection.execute(_PROGRESS_EVENT, rows)
        await connection.execute(_PROGRESS, [{"key": r["key"], "pct": r["pct"]} for r in rows])

    async def record_success(self, job_id: str, outputs: Sequence[Output], now: datetime) -> bool:
        """running -> succeeded with its outputs. False if it had ended."""
        detail = {"outputs": len(outputs)}
        delivered = sum(o.duration_seconds for o in outputs)
        if not await self.transition(
            job_id,
            JobStatus.SUCCEEDED,
            now,
            detail,
            delivered_seconds=delivered,
            progress=100,
            finished_at=now,
        ):
            return False
        await self.session.execute(delete(JobOutputRow).where(JobOutputRow.job_id == job_id))
        self.session.add_all(JobOutputRow(job_id=job_id, **o.model_dump()) for o in outputs)
        await self.session.flush()
        return True

    async def record_end(
        self, job_id: str, status: JobStatus, now: datetime, code: str, message: str
    ) -> bool:
        """Move a live job to FAILED or CANCELLED; False if it had already ended."""
        return await self.transition(
            job_id,
            status,
            now,
            {"code": code, "message": message},
            finished_at=now,
            error_code=code,
            error_message=message,
        )

    async def _stop_watching(self, job_id: str, ended: JobStatus, now: datetime) -> None:
        """An ended job has no upstream operation left to wait on."""
        watched = await self.session.execute(
            delete(UpstreamOperationRow)
            .where(UpstreamOperationRow.job_id == job_id)
            .returning(UpstreamOperationRow.provider, UpstreamOperationRow.submitted_at)
        )
        for provider, submitted_at in watched:
            waited = now.timestamp() - submitted_at
            on_commit(
                self.session,
                functools.partial(observe.upstream_ended, provider, ended.value, waited),
            )

    async def add_warning(self, job_id: str, warning: str) -> None:
        row = await self.session.get(JobRow, job_id)
        if row is not None and warning not in row.warnings:
            row.warnings = [*row.warnings, warning]

    async def update_spec(self, job_id: str, spec: JobSpec) -> None:
        """Record the spec as it ran (inputs' stored keys added) and which inputs it uses."""
        await self.session.execute(
            update(JobRow).where(JobRow.id == job_id).values(spec=spec.model_dump(mode="json"))
        )
        await self.record_inputs(job_id, spec)

    async def record_inputs(self, job_id: str, spec: JobSpec) -> None:
        keys = set(spec.stored_image_keys())
        known = await self.session.execute(
            select(JobInputRow.storage_key).where(JobInputRow.job_id == job_id)
        )
        for key in keys - set(known.scalars()):
            self.session.add(JobInputRow(job_id=job_id, storage_key=key))
        await self.session.flush()

    async def live_by_provider(self, providers: Sequence[str]) -> dict[str, int]:
        result = await self.session.execute(
            select(JobRow.provider, func.count())
            .where(JobRow.provider.in_(providers), JobRow.status.in_(_LIVE))
            .group_by(JobRow.provider)
        )
        counts = dict.fromkeys(providers, 0)
        counts.update({name: int(n) for name, n in result})
        return counts

    async def claim_submit(self, job_id: str, attempt: int) -> bool:
        """Record that `attempt` is about to be sent. False if it (or a later one) already
        was: an atomic conditional update, so two workers can never both claim it."""
        result = await self.session.execute(
            update(JobRow)
            .where(
                JobRow.id == job_id,
                or_(JobRow.submit_attempt.is_(None), JobRow.submit_attempt < attempt),
            )
            .values(submit_attempt=attempt)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_operation(self, job_id: str, operation: str) -> None:
        await self.session.execute(
            update(JobRow).where(JobRow.id == job_id).values(upstream_operation=operation)
        )

    async def status_of(self, job_ids: Sequence[str]) -> dict[str, JobStatus]:
        result = await self.session.execute(
            select(JobRow.id, JobRow.status).where(JobRow.id.in_(job_ids))
        )
        return {job_id: JobStatus(status) for job_id, status in result}

    async def mark_files_expired(self, job_ids: Sequence[str], now: datetime) -> None:
        """Record that these jobs' files are gone, with a `job.expired` event for each that
        was not deleted by its owner (a deleted job has said its last word)."""
        kept = _JOBS.c.id.in_(job_ids) & _JOBS.c.files_expired_at.is_(None)
        await self.session.execute(
            _events_of_jobs(
                EventType.EXPIRED, kept & _JOBS.c.deleted_at.is_(None), literal({}, JSON)
            ),
            {"at": now},
        )
        await self.session.execute(update(_JOBS).where(kept).values(files_expired_at=now))

    async def mark_deleted(self, job_id: str, now: datetime) -> bool:
        """An ended job deleted by its owner, with its `job.deleted` event. False if it is
        live or already deleted."""
        ended = [s.value for s in JobStatus if s.terminal]
        gone = await self.session.execute(
            update(_JOBS)
            .where(_JOBS.c.id == job_id, _JOBS.c.status.in_(ended), _JOBS.c.deleted_at.is_(None))
            .values(deleted_at=now)
            .returning(_JOBS.c.owner_key_id)
        )
        owner = gone.scalar_one_or_none()
        if owner is None:
            return False
        await self._publish(job_id, owner, EventType.DELETED, {}, now)
        return True
