"""How `veogate generate` shows a job moving: a live bar (rich) on a terminal, plain lines
(one per status change or ten points of progress) anywhere else, so logs and pipes get text
without escape sequences or carriage returns."""

from __future__ import annotations

import sys
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from veogate.client import Job

LINE_STEP = 10
"""Points of progress between two plain lines."""


class ProgressView(Protocol):
    def update(self, job: Job) -> None: ...

    def close(self) -> None: ...


def progress_view(stream: TextIO = sys.stderr) -> ProgressView:
    return LiveBar(stream) if stream.isatty() else PlainLines(stream)


class LiveBar:
    def __init__(self, stream: TextIO) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=Console(file=stream),
            transient=False,
        )
        self._task = self._progress.add_task("submitted", total=100)
        self._progress.start()

    def update(self, job: Job) -> None:
        self._progress.update(
            self._task, completed=job.progress, description=f"{job.id} {job.status.value}"
        )

    def close(self) -> None:
        self._progress.stop()


class PlainLines:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._shown: tuple[str, int] | None = None

    def update(self, job: Job) -> None:
        step = job.progress // LINE_STEP * LINE_STEP
        if self._shown == (job.status.value, step):
            return
        self._shown = (job.status.value, step)
        print(f"{job.id} {job.status.value} {job.progress}%", file=self._stream, flush=True)

    def close(self) -> None:
        self._stream.flush()
