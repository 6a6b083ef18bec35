"""`GET /`: the playground page (any customer key, kept in the browser)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from veogate.web.pages import page_response

router = APIRouter(include_in_schema=False)


@router.get("/")
async def playground() -> HTMLResponse:
    return page_response("playground/index.html")
