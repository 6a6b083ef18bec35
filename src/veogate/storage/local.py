"""Objects in a directory on this machine, written through obstore's LocalStore."""

from __future__ import annotations

from pathlib import Path

import obstore
from obstore.store import LocalStore

from veogate.storage.base import check_key
from veogate.storage.obstore_base import ObstoreObjects


class LocalObjectStore(ObstoreObjects):
    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        self._store = LocalStore(prefix=str(self.root), mkdir=True)

    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        with source.open("rb") as handle:
            await obstore.put_async(self._store, check_key(key), handle)

    def local_path(self, key: str) -> Path | None:
        return self.root / check_key(key)

    async def download_url(self, key: str, ttl_seconds: int) -> tuple[str, int] | None:
        return None  # served by veogate's /files route, signed by UrlSigner
