"""A loopback HTTP proxy in front of a test server, to make `wait`'s fallbacks happen for
real: it can refuse the event stream (404, as a proxy without the route would) or cut it
after its first event (a dropped connection), and records what it forwarded."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

_HOP_BY_HOP = {"connection", "transfer-encoding", "content-length", "keep-alive"}


@dataclass
class Seen:
    method: str
    path: str
    last_event_id: str | None
    status: int


@dataclass
class Proxy:
    upstream: str
    refuse_events: bool = False
    cut_first_stream: bool = False
    seen: list[Seen] = field(default_factory=list)

    def start(self) -> str:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                owner.forward(self)

            def do_POST(self) -> None:
                owner.forward(self)

            def log_message(self, *args: object) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def streams(self) -> list[Seen]:
        return [seen for seen in self.seen if seen.path.endswith("/events")]

    def forward(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?", 1)[0]
        last_event_id = request.headers.get("Last-Event-ID")
        if path.endswith("/events") and self.refuse_events:
            self.seen.append(Seen(request.command, path, last_event_id, 404))
            self._answer(request, 404, b'{"error": {"message": "no such route"}}')
            return
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        cut = path.endswith("/events") and self.cut_first_stream and not self.streams()
        with (
            httpx.Client(timeout=60) as client,
            client.stream(
                request.command, self.upstream + request.path, headers=headers, content=body
            ) as answer,
        ):
            self.seen.append(Seen(request.command, path, last_event_id, answer.status_code))
            request.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    request.send_header(name, value)
            request.send_header("Connection", "close")
            request.end_headers()
            if not path.endswith("/events"):
                for chunk in answer.iter_bytes():
                    request.wfile.write(chunk)
            else:
                self._relay_events(request, answer, cut)
        request.close_connection = True

    @staticmethod
    def _relay_events(request: BaseHTTPRequestHandler, answer: httpx.Response, cut: bool) -> None:
        event_started = False
        for line in answer.iter_lines():
            request.wfile.write(line.encode() + b"\n")
            request.wfile.flush()
            event_started = event_started or line.startswith("id:")
            if cut and event_started and line == "":
                return  # after the first whole event: drop the connection

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.send_header("Connection", "close")
        request.end_headers()
        request.wfile.write(body)
