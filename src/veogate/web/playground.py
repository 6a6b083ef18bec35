"""`GET /`: the playground page (any customer key, kept in the browser).

The page carries the catalog's rules and every dialect's public models (`data-catalog`), so
its script can disable the combinations a create would refuse and spell a "copy as curl"
command in each dialect with that dialect's model names; the models a key may use and their
prices still come from the API (`GET /v1/models`) once a key is given.
"""

from __future__ import annotations

import json

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from veogate.api.deps import ServicesDep
from veogate.catalog import Catalog
from veogate.web.pages import page_response

router = APIRouter(include_in_schema=False)


def catalog_document(catalog: Catalog) -> str:
    """The catalog as the page's script reads it: the cross-rules, the output geometry and
    each public model (name, dialect, canonical model and capabilities)."""
    return json.dumps(
        {
            "rules": catalog.rules.model_dump(mode="json"),
            "geometry": catalog.geometry,
            "models": [model.model_dump(mode="json") for model in catalog.models.values()],
        },
        separators=(",", ":"),
    )


@router.get("/")
async def playground(services: ServicesDep) -> HTMLResponse:
    return page_response("playground/index.html", {"catalog": catalog_document(services.catalog)})
