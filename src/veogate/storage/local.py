"""Objects in a directory on this machine, written through obstore's LocalStore."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import obstore
from obstore.store import LocalStore


def check_key(key: str) -> str:
    """Refuse keys that could escape the store's directory."""
    path = PurePosixPath(key)
    if not key or path.is_absolute() or any(part in ("..", ".", "") for part in key.split("/")):
        raise ValueError(f"invalid storage key {key!r}")
    return key


class LocalObjectStore:
    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        self._store = LocalStore(prefix=str(self.root), mkdir=True)

    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        with source.open("rb") as handle:
            await obstore.put_async(self._store, check_key(key), handle)

    async def get_bytes(self, key: str) -> bytes:
        result = await obstore.get_async(self._store, check_key(key))
        return bytes(await result.bytes_async())

    async def delete(self, key: str) -> None:
        try:
            await obstore.delete_async(self._store, check_key(key))
        except FileNotFoundError:
            return

    async def exists(self, key: str) -> bool:
        try:
            await obstore.head_async(self._store, check_key(key))
        except FileNotFoundError:
            return False
        return True

    def local_path(self, key: str) -> Path | None:
        return self.root / check_key(key)

    async def download_url(self, key: str, ttl_seconds: int) -> tuple[str, int] | None:
        return None  # served by veogate's /files route, signed by UrlSigner
