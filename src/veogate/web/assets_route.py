"""`GET /ui/{path}`: the web UI's static files (scripts, styles, icons) from `assets/`.

Only files that exist under `assets/` with a known type are served; anything else (an unknown
suffix, `..`, a directory) is 404. Pages are not served here: `pages.py` owns them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from veogate.web.headers import ASSET_HEADERS

ASSETS: Final = Path(__file__).parent / "assets"
ASSET_PREFIX: Final = "/ui/"
MEDIA_TYPES: Final = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}

router = APIRouter(include_in_schema=False)


def asset_file(path: str) -> Path | None:
    """The file under `assets/` that `path` names, or None when it names none we serve."""
    if any(part in ("", ".", "..") for part in path.split("/")):
        return None
    found = (ASSETS / path).resolve()
    if not found.is_relative_to(ASSETS.resolve()) or not found.is_file():
        return None
    if found.suffix not in MEDIA_TYPES:  # pages (.html) are not assets
        return None
    return found


@router.api_route(ASSET_PREFIX + "{path:path}", methods=["GET", "HEAD"])
async def asset(path: str) -> FileResponse:
    found = asset_file(path)
    if found is None:
        raise HTTPException(status_code=404, detail="no such file")
    return FileResponse(found, media_type=MEDIA_TYPES[found.suffix], headers=ASSET_HEADERS)
