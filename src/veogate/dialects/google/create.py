"""The create boundary of both Google dialects: the model comes from the path."""

from __future__ import annotations

import functools
from typing import Any

from fastapi import Request

from veogate.api.body import read_json_body
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


async def create_google_job(
    request: Request,
    model: str,
    dialect: str,
    caller: Caller,
    services: Services,
    launcher: Launcher,
    idempotency_key: str | None,
) -> tuple[Job, dict[str, Any]]:
    """Accept a `predictLongRunning` request; returns the job and the body as read."""
    if services.catalog.model(model, dialect) is None:
        offered = ", ".join(services.catalog.model_names(dialect))
        raise NotFound(
            f"models/{model} is not found or does not support predictLongRunning "
            f"(offered: {offered})",
            param="model",
        )
    body = await read_json_body(request, services.settings.max_body_bytes)
    if "model" in body:
        raise InvalidRequest("model is named by the URL path, not the body", param="model")
    body = {"model": model, **body}
    job = await create_from_body(
        body, DIALECTS[dialect], caller, services, launcher, idempotency_key
    )
    return job, body
