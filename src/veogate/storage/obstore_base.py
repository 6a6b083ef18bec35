"""Reading and deleting objects through obstore: the same for every obstore backend."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import obstore

from veogate.storage.base import check_key


class ObstoreObjects:
    """`move_file`, `get_bytes`, `delete` and `exists` over `self._store` (any obstore
    store); each store writes with its own `put_file`."""

    _store: Any

    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        raise NotImplementedError

    async def move_file(self, key: str, source: Path, content_type: str) -> None:
        """Upload, then remove the local file (a store on another machine cannot rename)."""
        await self.put_file(key, source, content_type)
        await asyncio.to_thread(source.unlink, missing_ok=True)

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
