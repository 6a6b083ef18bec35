"""The create / status / cancel routes of a job dialect, wired once.

A dialect declares a `JobRoutes`: its paths, how it reads a create request (`CreateReader`),
how it renders the job it created, a status and a cancelled job, and the Pydantic models of
its request and response bodies (for `/openapi.json` only: routes answer the dicts the
translators build, so the hot status read pays no model validation). `register` adds the
routes to the dialect's router (whose route class renders errors in the dialect's shape),
with its auth, `Prefer: wait`, `Idempotency-Key`, and cancel through `JobService.cancel`
and the launcher. What only one dialect has (apimart's catalog, OpenAI's list and delete,
the Google file download) stays in that dialect's routes.

No `from __future__ import annotations` here: the handlers are made per dialect, and
FastAPI reads their dependencies (the dialect's `Auth`) from evaluated annotations.
"""

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from veogate.api.deps import Auth, IdempotencyKey, LauncherDep, ServicesDep
from veogate.api.submit import CreateDialect, read_json_create, submit_body
from veogate.api.wait import PREFER_PARAMETER, Wait, waiting
from veogate.auth.keys import Caller
from veogate.db.transactions import transact
from veogate.dialects.openapi import documented_responses, path_parameters, request_body
from veogate.errors import VeogateError
from veogate.jobs.model import Job
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService, Submitted
from veogate.metrics import observe
from veogate.pipeline.runtime import Launcher
from veogate.wiring import Services


@dataclass(frozen=True)
class Exchange:
    """One request as a dialect's readers and renderers see it."""

    request: Request
    response: Response
    """Headers set here go out with the answer."""
    services: Services


CreateReader = Callable[[Exchange], Awaitable[tuple[dict[str, Any], CreateDialect]]]
"""The request's create body, read the dialect's way (JSON, a form, the model taken from
the path), and how that body becomes a draft."""


def json_create(dialect: CreateDialect) -> CreateReader:
    """The reader of a create body sent as one JSON object."""

    async def read(exchange: Exchange) -> tuple[dict[str, Any], CreateDialect]:
        return await read_json_create(exchange.request, exchange.services), dialect

    return read


CreatedRenderer = Callable[[Submitted, dict[str, Any], Exchange], Awaitable[dict[str, Any]]]
"""The create answer: the job (settled by `Prefer: wait` where the dialect honours it),
whether it was created now, and the body as read."""
JobRenderer = Callable[[Job, Exchange], Awaitable[dict[str, Any]]]
"""A job as a status read (or a cancel) answers it."""


@dataclass(frozen=True)
class Documented:
    """Paths of one route kind and the model of what they answer."""

    paths: Sequence[str]
    model: type[BaseModel]
    hidden: frozenset[str] = frozenset()
    """Paths accepted but left out of the OpenAPI document (aliases)."""
    parameters: Sequence[Mapping[str, Any]] = ()
    """OpenAPI parameters read from the raw request (query strings, headers)."""


@dataclass(frozen=True)
class JobRoutes:
    """What a dialect declares to get its create, status and cancel routes."""

    auth: Auth
    error_model: type[BaseModel]
    create: Documented
    request_model: type[BaseModel]
    read_create: CreateReader
    render_created: CreatedRenderer
    id_param: str = ""
    """The path parameter of status and cancel paths that names the job (any dialect's
    spelling of its id)."""
    status: Documented | None = None
    """None where the dialect reads jobs its own way (Vertex AI's POST with a body)."""
    render_status: JobRenderer | None = None
    cancel: Documented | None = None
    render_cancelled: JobRenderer | None = None
    """Defaults to `render_status`."""
    wait_on_create: bool = True
    """Whether a create honours `Prefer: wait` (not where it answers only a name)."""
    request_media_types: Sequence[str] = ("application/json",)


CREATE_ERRORS = (400, 401, 409, 413, 429)
READ_ERRORS = (401, 404, 429)


def register(router: APIRouter, routes: JobRoutes) -> None:
    """Add the dialect's create, status and cancel routes to `router`."""
    create = _create_handler(routes)
    for path in routes.create.paths:
        router.add_api_route(
            path,
            create,
            methods=["POST"],
            response_model=Any,
            include_in_schema=path not in routes.create.hidden,
            responses=documented_responses(routes.create.model, routes.error_model, CREATE_ERRORS),
            openapi_extra=_operation(
                path,
                routes.create,
                wait=routes.wait_on_create,
                body=request_body(routes.request_model, routes.request_media_types),
            ),
        )
    if routes.status is not None and routes.render_status is not None:
        _register_status(router, routes, routes.status, routes.render_status)
    if routes.cancel is not None:
        render = routes.render_cancelled or routes.render_status
        assert render is not None, "a cancel route needs a renderer"
        _register_cancel(router, routes, routes.cancel, render)


def _register_status(
    router: APIRouter, routes: JobRoutes, status: Documented, render: JobRenderer
) -> None:
    handler = _status_handler(routes, render)
    for path in status.paths:
        router.add_api_route(
            path,
            handler,
            methods=["GET"],
            response_model=Any,
            include_in_schema=path not in status.hidden,
            responses=documented_responses(status.model, routes.error_model, READ_ERRORS),
            openapi_extra=_operation(path, status, wait=True),
        )


def _register_cancel(
    router: APIRouter, routes: JobRoutes, cancel: Documented, render: JobRenderer
) -> None:
    handler = _cancel_handler(routes, render)
    for path in cancel.paths:
        router.add_api_route(
            path,
            handler,
            methods=["POST"],
            response_model=Any,
            include_in_schema=path not in cancel.hidden,
            responses=documented_responses(cancel.model, routes.error_model, READ_ERRORS),
            openapi_extra=_operation(path, cancel, wait=False),
        )


def _create_handler(routes: JobRoutes) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def create(
        request: Request,
        response: Response,
        caller: Annotated[Caller, Depends(routes.auth.creator)],
        services: ServicesDep,
        launcher: LauncherDep,
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, Any]:
        exchange = Exchange(request, response, services)
        began = time.perf_counter()
        try:
            async with services.creating:  # a few at a time: reads never queue behind a flood
                body, dialect = await routes.read_create(exchange)
                submitted = await submit_body(
                    body, dialect, caller, services, launcher, idempotency_key
                )
        except VeogateError as refusal:
            observe.create_refused(refusal.code)
            raise
        observe.accept_took(dialect.name, time.perf_counter() - began)
        if routes.wait_on_create:
            wait = await waiting(request, response)
            job = await wait.settle(submitted.job, services.jobs, caller)
            submitted = Submitted(job, submitted.created)
        return await routes.render_created(submitted, body, exchange)

    return create


def _status_handler(
    routes: JobRoutes, render: JobRenderer
) -> Callable[..., Awaitable[dict[str, Any]]]:
    # The job id is read from the raw path parameters (documented by `_operation`): a
    # declared parameter costs a validation on every status read, the hottest request.
    async def status(
        request: Request,
        response: Response,
        caller: Annotated[Caller, Depends(routes.auth.caller)],
        services: ServicesDep,
        wait: Wait,
    ) -> dict[str, Any]:
        job = await wait.read(services.jobs, caller, request.path_params[routes.id_param])
        return await render(job, Exchange(request, response, services))

    return status


def _cancel_handler(
    routes: JobRoutes, render: JobRenderer
) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def cancel(
        request: Request,
        response: Response,
        caller: Annotated[Caller, Depends(routes.auth.caller)],
        services: ServicesDep,
        launcher: LauncherDep,
    ) -> dict[str, Any]:
        job_id = request.path_params[routes.id_param]
        job = await cancel_job(caller, job_id, services, launcher)
        return await render(job, Exchange(request, response, services))

    return cancel


async def cancel_job(caller: Caller, job_id: str, services: Services, launcher: Launcher) -> Job:
    """Cancel the caller's job (a finished one is answered as it is) and its workflow."""
    job, changed = await transact(
        services.sessions,
        lambda session: JobService(JobRepository(session)).cancel(caller, job_id),
        what="cancelling a job",
    )
    if changed:
        await launcher.cancel(job.id)
    return job


def _operation(
    path: str, kind: Documented, *, wait: bool, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    parameters = [*path_parameters(path), *kind.parameters]
    if wait:
        parameters += PREFER_PARAMETER["parameters"]
    operation: dict[str, Any] = {"parameters": parameters}
    if body is not None:
        operation["requestBody"] = body
    return operation
