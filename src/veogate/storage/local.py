"""Objects in a directory on this machine, written through obstore's LocalStore."""

from __future__ import annotations

import asyncio
import errno
import os
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

    async def move_file(self, key: str, source: Path, content_type: str) -> None:
        """Rename into place: atomic, and a finished video is never copied. Across
        filesystems (a work directory mounted elsewhere) it is copied instead."""
        try:
            await asyncio.to_thread(_rename_into, source, self._path(key))
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            await super().move_file(key, source, content_type)

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def download_url(self, key: str, ttl_seconds: int) -> tuple[str, int] | None:
        return None  # served by veogate's /files route, signed by UrlSigner

    def download_origin(self) -> str | None:
        return None


def _rename_into(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, destination)
