"""SQLite's WAL checkpoints, taken in a thread of their own instead of on the event loop.

By default SQLite checkpoints inside the commit that pushes the write-ahead log past 1,000
pages: that commit copies the log into the database file and syncs it. veogate's writes
commit on the event loop's thread (`inline_sqlite`), so under a flood of creates (a commit
every ~1 ms, a checkpoint every second or two) one request in a few hundred stalled the whole
loop for the copy and the sync, and every request in flight waited with it
(`bench/bench_relay_load.py --part api`, "read p99 while creating").

So the engine's connections turn automatic checkpoints off (`engine.py`) and this thread
runs a PASSIVE checkpoint every `CHECKPOINT_SECONDS` on a connection of its own; `sqlite3`
lets go of the interpreter lock for the I/O, so the loop keeps answering meanwhile. PASSIVE
never waits for readers or writers: what it cannot copy now, the next one does. A process
that stops leaves at most a second of log, which the next checkpoint (or the next opening
of the database) folds in; nothing is lost either way, the log is part of the database.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

CHECKPOINT_SECONDS = 1.0


class WalCheckpointer:
    def __init__(self, path: Path, interval: float = CHECKPOINT_SECONDS) -> None:
        self._path = path
        self._interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="veogate-wal-checkpoints", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop after one last checkpoint (so a clean exit leaves the log folded in)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def checkpoint(self, connection: sqlite3.Connection) -> tuple[int, int, int]:
        """(busy, pages in the log, pages copied), as `PRAGMA wal_checkpoint` answers."""
        busy, logged, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(busy), int(logged), int(copied)

    def _run(self) -> None:
        connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            while True:
                stopping = self._stopping.wait(self._interval)
                try:
                    self.checkpoint(connection)
                except sqlite3.Error as exc:  # a busy database: the next one catches up
                    log.debug("WAL checkpoint of %s skipped: %s", self._path, exc)
                if stopping:
                    return
        finally:
            with contextlib.suppress(sqlite3.Error):
                connection.close()
