"""`AsyncClient`: the async client (`sync.py` is its blocking twin; both drive `wire.py`)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import httpx

from veogate.client import transport, wire
from veogate.client.files import AtomicFile
from veogate.client.following import Follower, Opened, ProgressCallback
from veogate.client.images import ImageSource
from veogate.client.records import Job, JobPage, Model
from veogate.client.sse import EventReader

T = TypeVar("T")


class AsyncClient:
    """veogate's API, async. `base_url` defaults to `VEOGATE_URL` (else
    http://127.0.0.1:8080), `api_key` to `VEOGATE_API_KEY`."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = transport.DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = transport.base_url_of(base_url)
        self._http = httpx.AsyncClient(
            base_url=self.base_url, headers=transport.headers_of(api_key), timeout=timeout
        )

    async def create(
        self,
        prompt: str,
        *,
        model: str,
        negative_prompt: str | None = None,
        duration: int | None = None,
        aspect_ratio: str | None = None,
        resolution: str | None = None,
        samples: int | None = None,
        seed: int | None = None,
        audio: bool | None = None,
        first_frame: ImageSource | None = None,
        last_frame: ImageSource | None = None,
        reference_images: Sequence[ImageSource] = (),
        person_generation: str | None = None,
        resize_mode: str | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        """Submit a job; it runs on the server while you do something else (`wait`)."""
        options = wire.CreateOptions(
            prompt, model, negative_prompt, duration, aspect_ratio, resolution, samples, seed,
            audio, first_frame, last_frame, tuple(reference_images), person_generation,
            resize_mode, idempotency_key,
        )  # fmt: skip
        return await self._run(wire.create(options, self.base_url))

    async def get(self, job_id: str) -> Job:
        return await self._run(wire.get(job_id, self.base_url))

    async def cancel(self, job_id: str) -> Job:
        """Cancel an unfinished job; the job as it is afterwards."""
        return await self._run(wire.cancel(job_id, self.base_url))

    async def list(self, limit: int = 20, after: str | None = None) -> JobPage:
        """The key's jobs, newest first, `limit` (1 to 100) at a time after the job `after`."""
        return await self._run(wire.list_jobs(limit, after, self.base_url))

    async def models(self) -> tuple[Model, ...]:
        return await self._run(wire.models())

    async def wait(
        self,
        job_id: str,
        on_progress: ProgressCallback | None = None,
        timeout: float = 600.0,  # noqa: ASYNC109 (the deadline spans reconnects and polls)
    ) -> Job:
        """Wait until the job ends; `on_progress` gets the job at each change. Raises
        WaitTimedOut after `timeout` seconds (the job keeps running)."""
        follow = Follower(job_id, self.base_url, timeout)
        while not follow.polling:
            with contextlib.suppress(httpx.TransportError):  # dropped: resume after it
                await self._follow_stream(follow, on_progress)
            if follow.ended:
                return await self.get(job_id)
            if not follow.polling:
                await asyncio.sleep(follow.pause(follow.dropped()))
        while True:
            job, delay = await self._run(wire.poll(job_id, self.base_url))
            if on_progress is not None:
                on_progress(job)
            if job.status.terminal:
                return job
            await asyncio.sleep(follow.pause(delay))

    async def _follow_stream(self, follow: Follower, on_progress: ProgressCallback | None) -> None:
        arguments = transport.request_arguments(call := follow.stream_call())
        timeout = httpx.Timeout(self._http.timeout.connect, read=follow.stream_read_timeout())
        async with self._http.stream(**arguments, timeout=timeout) as response:
            opened = follow.opened(response.status_code, response.headers.get("content-type", ""))
            if opened is Opened.FAILED:
                await response.aread()
                raise transport.error_of(call, response)
            if opened is not Opened.STREAM:
                return
            reader = EventReader()
            async for line in response.aiter_lines():
                if (event := reader.feed(line)) is None:
                    continue
                job = follow.event(event)
                if on_progress is not None:
                    on_progress(job or await self.get(follow.job_id))
                if follow.ended:
                    return
                follow.remaining()

    async def download(self, job_id: str, path: str | os.PathLike[str], sample: int = 0) -> Path:
        """Stream a succeeded job's video (sample `sample`) to `path`, atomically."""
        call = wire.content_call(job_id, sample)
        arguments = transport.request_arguments(call)
        stream = self._http.stream(**arguments, follow_redirects=True)
        async with self._errors(), stream as response:
            if response.status_code >= 400:
                await response.aread()
                raise transport.error_of(call, response)
            with AtomicFile(path) as out:
                async for chunk in response.aiter_bytes():
                    out.write(chunk)
        return Path(path)

    async def _run(self, steps: wire.Steps[T]) -> T:
        try:
            call = next(steps)
            while True:
                call = steps.send(await self._send(call))
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    async def _send(self, call: wire.Call) -> wire.Answer:
        async with self._errors():
            response = await self._http.request(**transport.request_arguments(call))
        return transport.answer_of(call, response)

    @contextlib.asynccontextmanager
    async def _errors(self) -> AsyncIterator[None]:
        try:
            yield
        except httpx.TransportError as error:
            raise transport.unreachable(self.base_url, error) from error

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
