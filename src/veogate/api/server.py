"""uvicorn's server, ending event streams as soon as shutdown begins.

On SIGTERM uvicorn stops accepting connections and waits (up to the graceful-shutdown timeout)
for open responses to finish before it runs the app's lifespan shutdown. An event stream or a
`Prefer: wait` request does not finish by itself, so each would hold the process for the whole
timeout; told here, they end at once (stream clients reconnect elsewhere with their
`Last-Event-ID`, waiting requests answer with the job as it is).
"""

from __future__ import annotations

import asyncio
from types import FrameType

import uvicorn
from fastapi import FastAPI

from veogate.delivery.hub import EventHub


class Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self._app = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        hub: EventHub | None = getattr(self._app.state, "hub", None)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not serving yet
            return
        if hub is not None:
            # A signal handler runs between two bytecodes of whatever the loop was doing:
            # hand the work to the loop rather than touch its objects from here.
            loop.call_soon_threadsafe(hub.close_streams)
