"""One router shape for every apimart route: errors in apimart's shape, the contract
version checked and echoed (`contract.py`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from veogate.api.routing import dialect_route_class
from veogate.dialects.apimart import translate
from veogate.dialects.apimart.contract import read_contract


def apimart_router() -> APIRouter:
    return APIRouter(
        route_class=dialect_route_class(translate.render_error),
        tags=["apimart"],
        dependencies=[Depends(read_contract)],
    )
