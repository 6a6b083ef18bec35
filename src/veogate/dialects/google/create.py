"""The create request of both Google dialects: the model comes from the path."""

from __future__ import annotations

import functools
from typing import Any

from veogate.api.submit import CreateDialect, read_json_create
from veogate.dialects.base import CreateReader, Exchange
from veogate.dialects.google.schemas import GEMINI, ID_FORM, VERTEX, read_create, vertex_options
from veogate.errors import InvalidRequest, NotFound

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


def create_reader(dialect: str) -> CreateReader:
    """Reads a `predictLongRunning` request for the path's model into a body with `model`."""

    async def read(exchange: Exchange) -> tuple[dict[str, Any], CreateDialect]:
        services = exchange.services
        model = exchange.request.path_params["model"]
        if services.catalog.model(model, dialect) is None:
            offered = ", ".join(services.catalog.model_names(dialect))
            raise NotFound(
                f"models/{model} is not found or does not support predictLongRunning "
                f"(offered: {offered})",
                param="model",
            )
        body = await read_json_create(exchange.request, services)
        if "model" in body:
            raise InvalidRequest("model is named by the URL path, not the body", param="model")
        return {"model": model, **body}, DIALECTS[dialect]

    return read
