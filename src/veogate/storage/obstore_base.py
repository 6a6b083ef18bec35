"""Reading and deleting objects through obstore: the same for every obstore backend."""

from __future__ import annotations

from typing import Any

import obstore

from veogate.storage.base import check_key


class ObstoreObjects:
    """`get_bytes`, `delete` and `exists` over `self._store` (any obstore store)."""

    _store: Any

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
