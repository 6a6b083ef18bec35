"""`Client`: the blocking client (`aio.py` is its async twin; both drive `wire.py`)."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence
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


class Client:
    """veogate's API, blocking. `base_url` defaults to `VEOGATE_URL` (else
    http://127.0.0.1:8080), `api_key` to `VEOGATE_API_KEY`."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = transport.DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = transport.base_url_of(base_url)
        self._http = httpx.Client(
            base_url=self.base_url, headers=transport.headers_of(api_key), timeout=timeout
        )

    def create(
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
        return self._run(wire.create(options, self.base_url))

    def get(self, job_id: str) -> Job:
        return self._run(wire.get(job_id, self.base_url))

    def cancel(self, job_id: str) -> Job:
        """Cancel an unfinished job; the job as it is afterwards."""
        return self._run(wire.cancel(job_id, self.base_url))

    def list(self, limit: int = 20, after: str | None = None) -> JobPage:
        """The key's jobs, newest first, `limit` (1 to 100) at a time after the job `after`."""
        return self._run(wire.list_jobs(limit, after, self.base_url))

    def models(self) -> tuple[Model, ...]:
        return self._run(wire.models())

    def wait(
        self, job_id: str, on_progress: ProgressCallback | None = None, timeout: float = 600.0
    ) -> Job:
        """Block until the job ends; `on_progress` gets the job at each change. Raises
        WaitTimedOut after `timeout` seconds (the job keeps running)."""
        follow = Follower(job_id, self.base_url, timeout)
        while not follow.polling:
            with contextlib.suppress(httpx.TransportError):  # dropped: resume after it
                self._follow_stream(follow, on_progress)
            if follow.ended:
                return self.get(job_id)
            if not follow.polling:
                time.sleep(follow.pause(follow.dropped()))
        while True:
            job, delay = self._run(wire.poll(job_id, self.base_url))
            if on_progress is not None:
                on_progress(job)
            if job.status.terminal:
                return job
            time.sleep(follow.pause(delay))

    def _follow_stream(self, follow: Follower, on_progress: ProgressCallback | None) -> None:
        arguments = transport.request_arguments(call := follow.stream_call())
        timeout = httpx.Timeout(self._http.timeout.connect, read=follow.stream_read_timeout())
        with self._http.stream(**arguments, timeout=timeout) as response:
            opened = follow.opened(response.status_code, response.headers.get("content-type", ""))
            if opened is Opened.FAILED:
                response.read()
                raise transport.error_of(call, response)
            if opened is not Opened.STREAM:
                return
            reader = EventReader()
            for line in response.iter_lines():
                if (event := reader.feed(line)) is None:
                    continue
                job = follow.event(event)
                if on_progress is not None:
                    on_progress(job or self.get(follow.job_id))
                if follow.ended:
                    return
                follow.remaining()

    def download(self, job_id: str, path: str | os.PathLike[str], sample: int = 0) -> Path:
        """Stream a succeeded job's video (sample `sample`) to `path`, atomically."""
        call = wire.content_call(job_id, sample)
        arguments = transport.request_arguments(call)
        stream = self._http.stream(**arguments, follow_redirects=True)
        with self._errors(), stream as response:
            if response.status_code >= 400:
                response.read()
                raise transport.error_of(call, response)
            with AtomicFile(path) as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)
        return Path(path)

    def _run(self, steps: wire.Steps[T]) -> T:
        try:
            call = next(steps)
            while True:
                call = steps.send(self._send(call))
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    def _send(self, call: wire.Call) -> wire.Answer:
        with self._errors():
            response = self._http.request(**transport.request_arguments(call))
        return transport.answer_of(call, response)

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except httpx.TransportError as error:
            raise transport.unreachable(self.base_url, error) from error

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
