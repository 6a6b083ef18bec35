"""Serving an HTML page of the web UI with its security headers.

A page is a file under `assets/` whose `{{name}}` placeholders are filled from a mapping of
values (HTML-escaped), e.g. the console's CSRF token; a page with no values is sent as it is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from functools import cache

from fastapi.responses import HTMLResponse

from veogate.storage.base import ObjectStore
from veogate.web.assets_route import ASSETS
from veogate.web.headers import page_headers

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@cache
def _template(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def render_page(name: str, values: Mapping[str, str] | None = None) -> str:
    """The page `assets/<name>` with its placeholders filled (a missing value is a KeyError:
    a page never goes out with a placeholder in it)."""
    values = values or {}
    return _PLACEHOLDER.sub(lambda m: html.escape(values[m.group(1)], quote=True), _template(name))


def page_response(
    name: str, values: Mapping[str, str] | None = None, *, store: ObjectStore | None = None
) -> HTMLResponse:
    """The page, whose policy lets videos come from `store` when it serves results itself."""
    origin = None if store is None else store.download_origin()
    return HTMLResponse(
        render_page(name, values), headers=page_headers(() if origin is None else (origin,))
    )
