"""Reading server-sent events the way a client does: field lines up to a blank line."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx


@dataclass(frozen=True)
class Message:
    id: str | None
    event: str | None
    data: dict[str, Any] | None
    comment: str | None
    received: float
    """`time.time()` when its last line arrived."""

    @property
    def job_id(self) -> str:
        assert self.data is not None
        status = self.data["data"]
        inner = status.get("data", status)  # apimart wraps the task in {"code", "data"}
        return str(inner["id"])

    @property
    def latency(self) -> float:
        """Seconds from the event's writing (its timestamp) to its arrival here."""
        assert self.data is not None
        written = datetime.fromisoformat(self.data["timestamp"].replace("Z", "+00:00"))
        return self.received - written.timestamp()


def longest_latency(label: str, got: list[Message]) -> float:
    """Print how long the events took to arrive (for the record) and return the longest."""
    latencies = [m.latency for m in got]
    print(
        f"\n{label}: {len(got)} events, latency max {max(latencies) * 1000:.0f} ms, "
        f"mean {sum(latencies) / len(latencies) * 1000:.0f} ms"
    )
    return max(latencies)


def messages(response: httpx.Response) -> Iterator[Message]:
    """Events and comments, as they arrive, until the server ends the stream."""
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if line.startswith(":"):
            yield Message(None, None, None, line[1:].strip(), time.time())
        elif line:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        elif "data" in fields:
            data = json.loads(fields["data"])
            yield Message(fields.get("id"), fields.get("event"), data, None, time.time())
            fields = {}
        else:
            fields = {}


def events(response: httpx.Response) -> Iterator[Message]:
    return (m for m in messages(response) if m.event is not None)


@dataclass
class Listener:
    """A stream read on a thread of its own, so a test can act while it listens."""

    client: httpx.Client
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    received: queue.Queue[Message | None] = field(default_factory=queue.Queue)
    status_code: int | None = None
    _opened: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Listener:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._opened.wait(10), f"{self.path} did not open"
        return self

    def _run(self) -> None:
        try:
            with self.client.stream("GET", self.path, headers=self.headers) as response:
                self.status_code = response.status_code
                self._opened.set()
                for message in messages(response):
                    if self._stop.is_set():
                        return
                    self.received.put(message)
        except httpx.HTTPError:
            pass
        finally:
            self._opened.set()
            self.received.put(None)

    def until(self, done: Any, seconds: float = 60.0) -> list[Message]:
        """Events received until one for which `done(message)` is true (included)."""
        got: list[Message] = []
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{self.path}: not done after {seconds}s: {got}"
            try:
                message = self.received.get(timeout=remaining)
            except queue.Empty:
                continue
            assert message is not None, f"{self.path}: the stream ended early: {got}"
            if message.event is None:
                continue
            got.append(message)
            if done(message):
                return got

    def ended(self, seconds: float) -> bool:
        """Whether the server ends the stream within `seconds` (what came before is dropped)."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                if self.received.get(timeout=remaining) is None:
                    return True
            except queue.Empty:
                return False
        return False

    def close(self) -> None:
        self._stop.set()
