"""What only the local store does: objects are files under its root, reachable by path."""

from __future__ import annotations

from pathlib import Path

import pytest

from veogate.storage.local import LocalObjectStore, check_key


async def test_objects_are_files_under_root(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    source = tmp_path / "in.mp4"
    source.write_bytes(b"movie")
    await store.put_file("jobs/1/video.mp4", source, "video/mp4")
    path = store.local_path("jobs/1/video.mp4")
    assert path == (tmp_path / "objects" / "jobs/1/video.mp4").resolve()
    assert path.read_bytes() == b"movie"
    await store.delete("jobs/1/video.mp4")
    assert not path.exists()


async def test_a_move_is_a_rename_not_a_copy(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    source = tmp_path / "work" / "0.mp4"
    source.parent.mkdir()
    source.write_bytes(b"movie")
    inode = source.stat().st_ino
    await store.move_file("jobs/2/0.mp4", source, "video/mp4")
    path = store.local_path("jobs/2/0.mp4")
    assert path is not None
    assert path.stat().st_ino == inode
    assert path.read_bytes() == b"movie"
    assert not source.exists()


async def test_traversal_never_touches_outside(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"keep out")
    with pytest.raises(ValueError, match="invalid storage key"):
        await store.get_bytes("../secret.txt")
    with pytest.raises(ValueError, match="invalid storage key"):
        await store.delete("../secret.txt")
    assert outside.read_bytes() == b"keep out"


@pytest.mark.parametrize("key", ["a", "a/b/c.mp4", "with space", "a.b/..c", "x/..."])
def test_check_key_accepts(key: str) -> None:
    assert check_key(key) == key
