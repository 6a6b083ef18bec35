"""Downloads land whole or not at all: written to a temporary file beside the target, then
renamed over it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import BinaryIO


class AtomicFile:
    """`with AtomicFile(path) as out: out.write(...)`: `path` appears (or is replaced) only
    when the block ends without an exception."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._file: BinaryIO | None = None
        self._temporary: Path | None = None

    def __enter__(self) -> AtomicFile:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        self._file, self._temporary = os.fdopen(handle, "wb"), Path(name)
        return self

    def write(self, chunk: bytes) -> None:
        assert self._file is not None
        self._file.write(chunk)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._file is not None
        assert self._temporary is not None
        try:
            if kind is None:
                self._file.flush()
                os.fsync(self._file.fileno())
        finally:
            self._file.close()
        if kind is None:
            os.replace(self._temporary, self.path)
        else:
            self._temporary.unlink(missing_ok=True)
