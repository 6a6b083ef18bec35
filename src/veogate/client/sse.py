"""Server-sent events, read a line at a time (the parsing rules of the HTML standard, less
`retry`, which the client does not need)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ServerEvent:
    id: str | None
    type: str
    data: str


@dataclass
class EventReader:
    """Feed it the stream's lines; it gives back each event when its blank line arrives."""

    _id: str | None = None
    _type: str = "message"
    _data: list[str] = field(default_factory=list)

    def feed(self, line: str) -> ServerEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment: the server's keepalive
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._type = value
        elif name == "id" and "\0" not in value:
            self._id = value
        return None

    def _dispatch(self) -> ServerEvent | None:
        event = None
        if self._data:
            event = ServerEvent(self._id, self._type, "\n".join(self._data))
        self._type, self._data = "message", []
        return event
