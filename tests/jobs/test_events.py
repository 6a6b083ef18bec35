"""One writer of job state: every place that changes a job writes its event, in the same
transaction, and only legal moves happen. Each site is driven through the code that runs it
in production (the pipeline's steps and outcomes, the poller's repository, the runtime's
orphan handling, retention, the job service), on SQLite and on PostgreSQL."""

from __future__ import annotations

import ast
import functools
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.support.databases import database_url_fixture
from veogate.auth.keys import Caller, create_key
from veogate.auth.repository import ApiKeyRepository
from veogate.config import Settings
from veogate.db.tables import JobEventRow, JobRow
from veogate.db.transactions import scoped, transact
from veogate.dialects.apimart.schemas import ID_FORM as APIMART_IDS
from veogate.dialects.status import render_status
from veogate.jobs import lifecycle
from veogate.jobs.accept import accept_submission
from veogate.jobs.lifecycle import EventType, StepNote
from veogate.jobs.model import Job, JobSpec, JobStatus, Output
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService, Submission
from veogate.pipeline import context, retention, steps
from veogate.pipeline.operations import Next, OperationRepository
from veogate.pipeline.outcomes import record_failure, record_success
from veogate.pipeline.progress import ProgressWriter
from veogate.pipeline.remote_steps import watch_operation
from veogate.pipeline.runtime import WorkerRuntime
from veogate.wiring import Services, build_services

SRC = Path(__file__).resolve().parents[2] / "src" / "veogate"


# ------------------------------------------------------------------ pure rules


def test_the_lifecycle_allows_only_forward_moves() -> None:
    live = (JobStatus.QUEUED, JobStatus.RUNNING)
    for target in JobStatus:
        for current in JobStatus:
            allowed = lifecycle.can_move(current, target)
            if current.terminal or target is JobStatus.QUEUED:
                assert not allowed, (current, target)
            elif target is JobStatus.SUCCEEDED:
                assert allowed == (current is JobStatus.RUNNING), current
            elif target is JobStatus.RUNNING:
                assert allowed == (current is JobStatus.QUEUED), current
            else:
                assert allowed == (current in live), (current, target)
        assert lifecycle.arrival_event(target).value == f"job.{_arrival_name(target)}"


def _arrival_name(status: JobStatus) -> str:
    return {"running": "started"}.get(status.value, status.value)


def test_event_ids_sort_as_written_and_parse_back() -> None:
    ids = [lifecycle.event_public_id(n) for n in (1, 9, 10, 123_456_789)]
    assert ids == sorted(ids)
    assert [lifecycle.event_seq(i) for i in ids] == [1, 9, 10, 123_456_789]
    for bad in ("", "evt_", "evt_-1", "evt_١٢", "42", "evt_1x", "evt_" + "9" * 19):
        assert lifecycle.event_seq(bad) is None, bad


def test_no_code_outside_the_repository_sets_a_job_status() -> None:
    """Every `.values(status=...)` (the only way a status is written) lives in
    `JobRepository.transition`, so no site can change a job without its event."""
    writers = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "values"
                    and any(k.arg == "status" for k in call.keywords)
                ):
                    writers.append(f"{path.relative_to(SRC)}:{node.name}")
    assert writers == ["jobs/repository.py:transition"]


# ------------------------------------------------------------------ every site, for real


database_url = database_url_fixture()


@pytest.fixture
async def svc(database_url: str, tmp_path: Path) -> AsyncIterator[Services]:
    services = build_services(Settings(data_dir=tmp_path / "data", database_url=database_url))
    context.install(services)
    yield services
    context.install(None)
    await services.close()


@pytest.fixture
async def caller(svc: Services) -> Caller:
    created = await transact(
        svc.sessions, lambda s: create_key(ApiKeyRepository(s), "events"), what="a key"
    )
    return Caller(key_id=created.id, name="events")


class RecordingLauncher:
    """Stands in for the worker runtime at the create boundary: the pipeline is not started
    here, each of its sites is called directly below."""

    def __init__(self) -> None:
        self.accepted_ids: list[str] = []

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def accepted(self, job_id: str) -> None:
        self.accepted_ids.append(job_id)

    async def cancel(self, job_id: str) -> None: ...


SPEC = JobSpec(public_model="veo3.1-fast", canonical_model="veo-3.1-fast", prompt="a fox", seed=3)


async def _create(svc: Services, caller: Caller, *, provider: str = "") -> Job:
    submission = Submission(
        dialect="apimart",
        id_form=APIMART_IDS,
        spec=SPEC,
        idempotency_key=None,
        request_fingerprint="e" * 64,
    )
    job = (await accept_submission(svc, RecordingLauncher(), caller, submission)).job
    if provider:  # a job whose provider this worker does not have (changed config)
        await _sql_update_provider(svc, job.id, provider)
    return job


async def _sql_update_provider(svc: Services, job_id: str, provider: str) -> None:
    async def work(session: AsyncSession) -> None:
        await session.execute(update(JobRow).where(JobRow.id == job_id).values(provider=provider))

    await transact(svc.sessions, work, what="test: provider")


async def _events(svc: Services, job_id: str) -> list[tuple[str, dict[str, object]]]:
    """(kind, detail) of the job's events (not its step notes), in the order written."""
    async with scoped(svc.sessions) as session:
        rows = await session.execute(
            select(JobEventRow.kind, JobEventRow.detail, JobEventRow.owner_key_id)
            .where(JobEventRow.job_id == job_id, JobEventRow.owner_key_id.is_not(None))
            .order_by(JobEventRow.id)
        )
        return [(kind, dict(detail)) for kind, detail, _ in rows]


def _kinds(events: list[tuple[str, dict[str, object]]]) -> list[str]:
    return [kind for kind, _ in events]


async def _begin(svc: Services, job_id: str) -> object:
    return await transact(svc.sessions, functools.partial(steps._begin, svc, job_id), what="b")


async def _run(svc: Services, work: object) -> object:
    return await transact(svc.sessions, work, what="test")


OUTPUT = Output(
    index=0,
    storage_key="jobs/x/0.mp4",
    size_bytes=10,
    width=1280,
    height=720,
    frame_count=192,
    fps=24.0,
    duration_seconds=8.0,
    has_audio=True,
)


async def test_create_start_progress_succeed(svc: Services, caller: Caller) -> None:
    job = await _create(svc, caller)
    assert _kinds(await _events(svc, job.id)) == ["job.queued"]

    assert await _begin(svc, job.id) is not None
    assert await _begin(svc, job.id) is not None  # a replay after a restart starts nothing new

    # Progress from a provider's callbacks (the preview renderer's path)...
    writer = ProgressWriter(job.id, sample_index=0, sample_count=1)
    writer(0.12)
    await writer.flush()
    # ... and from the upstream poller's batch (the remote path): 14 % is still the same
    # 5 % step as 12 %, so no event; 31 % is a new one; going back is never written.
    for pct in (14, 31, 20):
        update = Next(
            job.id, due_at=time.time() + 5, interval_seconds=5, polls=1, errors=0, progress=pct
        )
        await _run(svc, lambda s, u=update: OperationRepository(s).reschedule([u]))

    record = functools.partial(record_success, job_id=job.id, outputs=[OUTPUT], warnings=[])
    assert await _run(svc, record) is True
    assert await _run(svc, record) is False  # a repeated end writes nothing

    events = await _events(svc, job.id)
    assert _kinds(events) == [
        "job.queued",
        "job.started",
        "job.progress",
        "job.progress",
        "job.succeeded",
    ]
    assert [d.get("progress") for k, d in events if k == "job.progress"] == [12, 31]
    assert events[-1][1] == {"outputs": 1}


async def test_every_failure_path_writes_job_failed(svc: Services, caller: Caller) -> None:
    # The pipeline's failure (fail_job step, the poller's _fail): queued or running -> failed.
    failing = await _create(svc, caller)
    await _begin(svc, failing.id)
    fail = functools.partial(
        record_failure, job_id=failing.id, code="content_filtered", message="no"
    )
    assert await _run(svc, fail) is True
    assert await _run(svc, fail) is False

    # A provider this worker does not have: started, then failed at once.
    missing = await _create(svc, caller, provider="gone")
    assert await _begin(svc, missing.id) is None

    # An orphan: its workflow ended without ending the job.
    runtime = WorkerRuntime(svc, render_status)
    orphan = await _create(svc, caller)
    await _begin(svc, orphan.id)
    await runtime._orphan(orphan.id, "preview", "ERROR")

    # Stranded: an upstream operation of a provider no live worker has.
    stranded = await _create(svc, caller)
    await _begin(svc, stranded.id)
    await _run(svc, lambda s: watch_operation(s, svc, stranded.id, "gone", "operations/1"))
    await runtime._fail_stranded()

    expectations = {
        failing.id: "content_filtered",
        missing.id: "internal_error",
        orphan.id: "internal_error",
        stranded.id: "internal_error",
    }
    for job_id, code in expectations.items():
        events = await _events(svc, job_id)
        assert _kinds(events) == ["job.queued", "job.started", "job.failed"], job_id
        assert events[-1][1]["code"] == code


async def test_cancel_and_delete(svc: Services, caller: Caller) -> None:
    queued = await _create(svc, caller)
    running = await _create(svc, caller)
    await _begin(svc, running.id)

    async def cancel(session: AsyncSession, job_id: str) -> tuple[Job, bool]:
        return await JobService(JobRepository(session)).cancel(caller, job_id)

    async def delete(session: AsyncSession, job_id: str) -> tuple[Job, bool]:
        return await JobService(JobRepository(session)).delete(caller, job_id)

    for job in (queued, running):
        assert (await _run(svc, functools.partial(cancel, job_id=job.id)))[1] is True  # type: ignore[index]
        assert (await _run(svc, functools.partial(cancel, job_id=job.id)))[1] is False  # type: ignore[index]
    assert _kinds(await _events(svc, queued.id)) == ["job.queued", "job.cancelled"]
    assert _kinds(await _events(svc, running.id)) == ["job.queued", "job.started", "job.cancelled"]

    # Deleting a live job cancels it first; deleting twice is not found the second time.
    live = await _create(svc, caller)
    deleted, changed = await _run(svc, functools.partial(delete, job_id=live.id))  # type: ignore[misc]
    assert changed
    assert deleted.deleted_at is not None
    assert _kinds(await _events(svc, live.id)) == ["job.queued", "job.cancelled", "job.deleted"]
    with pytest.raises(Exception, match="no job"):
        await _run(svc, functools.partial(delete, job_id=live.id))


async def test_retention_expiry_and_deleted_jobs(svc: Services, caller: Caller) -> None:
    kept, removed = await _create(svc, caller), await _create(svc, caller)
    for job in (kept, removed):
        await _begin(svc, job.id)
        stored = OUTPUT.model_copy(update={"storage_key": f"jobs/{job.id}/0.mp4"})
        source = svc.settings.data_dir / f"{job.id}.mp4"
        source.write_bytes(b"\0" * 10)
        await svc.store.put_file(stored.storage_key, source, "video/mp4")
        record = functools.partial(record_success, job_id=job.id, outputs=[stored], warnings=[])
        await _run(svc, record)

    async def delete(session: AsyncSession) -> tuple[Job, bool]:
        return await JobService(JobRepository(session)).delete(caller, removed.id)

    await _run(svc, delete)
    # The deleted job's files go at the next sweep, whatever its age; the other's only once
    # its retention period has passed.
    assert await retention.sweep(svc) == 1
    assert not await svc.store.exists(f"jobs/{removed.id}/0.mp4")
    assert await svc.store.exists(f"jobs/{kept.id}/0.mp4")
    later = datetime.now(UTC) + timedelta(days=svc.settings.retention_days + 1)
    assert await retention.sweep(svc, now=later) == 1
    assert await retention.sweep(svc, now=later) == 0

    assert _kinds(await _events(svc, kept.id))[-1] == "job.expired"
    assert _kinds(await _events(svc, removed.id))[-2:] == ["job.succeeded", "job.deleted"]


async def test_step_notes_are_kept_apart_from_events(svc: Services, caller: Caller) -> None:
    job = await _create(svc, caller)

    await _run(
        svc, lambda s: JobRepository(s).note(job.id, StepNote.SUBMIT_SENT, {}, datetime.now(UTC))
    )

    assert _kinds(await _events(svc, job.id)) == ["job.queued"]
    assert {e.value for e in EventType} >= {kind for kind, _ in await _events(svc, job.id)}
