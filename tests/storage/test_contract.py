"""The ObjectStore contract, run against every store: a local directory and S3 (moto)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.support.moto import MotoServer
from veogate.storage.base import ObjectStore
from veogate.storage.local import LocalObjectStore

BAD_KEYS = ["", "/abs/key", "../escape", "a/../../b", "a//b", "./a", "a/.", "a/"]


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalObjectStore(tmp_path / "objects")
    moto: MotoServer = request.getfixturevalue("moto")
    return moto.store(f"contract/{uuid.uuid4().hex}")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


async def test_round_trip(store: ObjectStore, tmp_path: Path) -> None:
    source = write(tmp_path, "video.mp4", b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 10)
    key = "jobs/01JTEST/video.mp4"
    assert not await store.exists(key)
    await store.put_file(key, source, "video/mp4")
    assert await store.exists(key)
    assert await store.get_bytes(key) == source.read_bytes()
    await store.delete(key)
    assert not await store.exists(key)
    with pytest.raises(FileNotFoundError):
        await store.get_bytes(key)


async def test_put_replaces(store: ObjectStore, tmp_path: Path) -> None:
    await store.put_file("a/b.bin", write(tmp_path, "one", b"first"), "application/octet-stream")
    await store.put_file("a/b.bin", write(tmp_path, "two", b"second"), "application/octet-stream")
    assert await store.get_bytes("a/b.bin") == b"second"


async def test_move_consumes_the_source_and_replaces(store: ObjectStore, tmp_path: Path) -> None:
    await store.put_file("jobs/m/0.mp4", write(tmp_path, "old", b"old"), "video/mp4")
    source = write(tmp_path, "new.mp4", b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    expected = source.read_bytes()
    await store.move_file("jobs/m/0.mp4", source, "video/mp4")
    assert not source.exists()
    assert await store.get_bytes("jobs/m/0.mp4") == expected


async def test_empty_object(store: ObjectStore, tmp_path: Path) -> None:
    await store.put_file("empty", write(tmp_path, "empty", b""), "application/octet-stream")
    assert await store.exists("empty")
    assert await store.get_bytes("empty") == b""


async def test_unusual_characters_in_key(store: ObjectStore, tmp_path: Path) -> None:
    key = "with space/ünïcode+plus=eq.mp4"
    await store.put_file(key, write(tmp_path, "x", b"odd"), "video/mp4")
    assert await store.get_bytes(key) == b"odd"
    assert await store.exists(key)


async def test_missing_key(store: ObjectStore) -> None:
    assert not await store.exists("never/written")
    with pytest.raises(FileNotFoundError):
        await store.get_bytes("never/written")
    await store.delete("never/written")


async def test_delete_twice(store: ObjectStore, tmp_path: Path) -> None:
    await store.put_file("k", write(tmp_path, "k", b"x"), "text/plain")
    await store.delete("k")
    await store.delete("k")
    assert not await store.exists("k")


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_bad_keys_refused(store: ObjectStore, tmp_path: Path, key: str) -> None:
    source = write(tmp_path, "s", b"x")
    with pytest.raises(ValueError, match="invalid storage key"):
        await store.put_file(key, source, "text/plain")
    with pytest.raises(ValueError, match="invalid storage key"):
        await store.get_bytes(key)
    with pytest.raises(ValueError, match="invalid storage key"):
        await store.exists(key)
    with pytest.raises(ValueError, match="invalid storage key"):
        await store.delete(key)
    with pytest.raises(ValueError, match="invalid storage key"):
        store.local_path(key)
