"""The create boundary of both Google dialects: the model comes from the path."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from veogate.api.body import read_json_body
from veogate.api.deps import GoogleCreator, IdempotencyKey, LauncherDep, ServicesDep
from veogate.api.submit import CreateDialect, create_from_body
from veogate.auth.keys import Caller
from veogate.dialects.google.schemas import GEMINI, ID_FORM, VERTEX, read_create, vertex_options
from veogate.errors import InvalidRequest, NotFound
from veogate.jobs.model import Job
from veogate.pipeline.runtime import Launcher
from veogate.wiring import Services

DIALECTS = {
    GEMINI: CreateDialect(
        GEMINI, id_form=ID_FORM, read=functools.partial(read_create, dialect=GEMINI)
    ),
    VERTEX: CreateDialect(
        VERTEX,
        id_form=ID_FORM,
        read=functools.partial(read_create, dialect=VERTEX),
        read_warnings=lambda body: vertex_options(body).warnings(),
    ),
}


@dataclass(frozen=True)
class GoogleCreate:
    """What a `predictLongRunning` handler needs to accept its request."""

    request: Request
    caller: Caller
    services: Services
    launcher: Launcher
    idempotency_key: str | None

    async def job(self, model: str, dialect: str) -> tuple[Job, dict[str, Any]]:
        """Accept the request for `model`; returns the job and the body as read."""
        services = self.services
        if services.catalog.model(model, dialect) is None:
            offered = ", ".join(services.catalog.model_names(dialect))
            raise NotFound(
                f"models/{model} is not found or does not support predictLongRunning "
                f"(offered: {offered})",
                param="model",
            )
        body = await read_json_body(self.request, services.settings.max_body_bytes)
        if "model" in body:
            raise InvalidRequest("model is named by the URL path, not the body", param="model")
        body = {"model": model, **body}
        job = await create_from_body(
            body, DIALECTS[dialect], self.caller, services, self.launcher, self.idempotency_key
        )
        return job, body


async def _google_create(
    request: Request,
    caller: GoogleCreator,
    services: ServicesDep,
    launcher: LauncherDep,
    idempotency_key: IdempotencyKey = None,
) -> GoogleCreate:
    return GoogleCreate(request, caller, services, launcher, idempotency_key)


GoogleCreateDep = Annotated[GoogleCreate, Depends(_google_create)]
