"""`GET /`: the playground page (any customer key, kept in the browser).

The page carries the catalog's rules and every dialect's public models with their prices
(`data-catalog`), so its script can offer the canonical models (the OpenAI dialect's names,
which take every image mode), disable the combinations a create would refuse, estimate the
price, and spell a "copy as curl" command in each dialect with that dialect's model names.
"""

from __future__ import annotations

import json

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from veogate.api.deps import ServicesDep
from veogate.catalog import Catalog
from veogate.ledger.prices import price_sheet
from veogate.web.pages import page_response

router = APIRouter(include_in_schema=False)


def catalog_document(catalog: Catalog) -> str:
    """The catalog as the page's script reads it: the cross-rules, the output geometry and
    each public model (name, dialect, canonical model, capabilities and prices)."""
    return json.dumps(
        {
            "rules": catalog.rules.model_dump(mode="json"),
            "geometry": catalog.geometry,
            "models": [
                {
                    **model.model_dump(mode="json"),
                    "pricing": price_sheet(catalog, model.canonical, model.resolutions),
                }
                for model in catalog.models.values()
            ],
        },
        separators=(",", ":"),
    )


@router.get("/")
async def playground(services: ServicesDep) -> HTMLResponse:
    return page_response(
        "playground/index.html",
        {"catalog": catalog_document(services.catalog)},
        store=services.store,
    )
