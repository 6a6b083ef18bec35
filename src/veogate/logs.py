"""How veogate's processes log: text lines for people, or one JSON object per line for a
log pipeline (`VEOGATE_LOG_FORMAT=json`), and the job each line is about.

The pipeline says which job it is working on with `about_job` (a context variable, so it
follows the work into every coroutine and thread it awaits); a filter on the one handler
adds that id to every record as `job_id`, whichever library logged it (the workflow
engine, the HTTP client...). Every logger, the engine's and the HTTP server's included,
writes through that handler, so in JSON mode every line on stderr is JSON.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal

_current_job: ContextVar[str | None] = ContextVar("veogate_job_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ENGINE_LOGGER = "dbos"
"""The workflow engine logs through a handler of its own unless its logger has one."""


@contextlib.contextmanager
def about_job(job_id: str) -> Iterator[None]:
    """Every record logged inside carries `job_id`."""
    token = _current_job.set(job_id)
    try:
        yield
    finally:
        _current_job.reset(token)


class JobIdFilter(logging.Filter):
    """Adds `record.job_id`: the job being worked on (None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "job_id", None) is None:
            record.job_id = _current_job.get()
        return True


class TextFormatter(logging.Formatter):
    """The classic line, with ` [job <id>]` after the logger's name on lines about a job."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        job_id = getattr(record, "job_id", None)
        line = super().formatMessage(record)
        if job_id is None:
            return line
        head = f"{record.name}:"
        return line.replace(head, f"{record.name} [job {job_id}]:", 1)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (tracebacks included, escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        job_id = getattr(record, "job_id", None)
        if job_id is not None:
            entry["job_id"] = job_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str, fmt: Literal["text", "json"]) -> None:
    """One stderr handler for the whole process, in `fmt`, with the job filter."""
    handler = logging.StreamHandler()
    handler.addFilter(JobIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    engine = logging.getLogger(ENGINE_LOGGER)
    engine.handlers[:] = [handler]
    engine.propagate = False
