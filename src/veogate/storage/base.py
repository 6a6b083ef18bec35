"""The storage seam: where finished videos (and later, job inputs) are kept."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Protocol


def check_key(key: str) -> str:
    """Refuse keys that could escape the store's directory."""
    path = PurePosixPath(key)
    if not key or path.is_absolute() or any(part in ("..", ".", "") for part in key.split("/")):
        raise ValueError(f"invalid storage key {key!r}")
    return key


class ObjectStore(Protocol):
    """A flat key space of immutable objects."""

    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        """Copy a local file into the store under `key` (replacing what was there)."""

    async def move_file(self, key: str, source: Path, content_type: str) -> None:
        """Put a local file into the store under `key` and remove `source` (renamed into
        place when the store is a directory on the same filesystem: nothing is copied)."""

    async def get_bytes(self, key: str) -> bytes:
        """The object's content; `FileNotFoundError` if there is none."""

    async def delete(self, key: str) -> None:
        """Remove `key`; removing a missing key is not an error."""

    async def exists(self, key: str) -> bool: ...

    def local_path(self, key: str) -> Path | None:
        """The object's path on this machine, when the store is a local directory."""

    async def download_url(self, key: str, ttl_seconds: int) -> tuple[str, int] | None:
        """A URL clients can fetch directly (e.g. presigned S3), with its expiry; None when
        veogate serves the object itself."""

    def download_origin(self) -> str | None:
        """The origin (`scheme://host[:port]`) of the URLs `download_url` gives, for the web
        pages' Content-Security-Policy; None when veogate serves the objects itself."""
