"""`veogate.client` against a real server process: jobs made, followed and downloaded,
errors as exceptions, and the fallbacks of `wait` made to happen through a loopback proxy."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.client.proxy import Proxy
from tests.support.mp4 import decode
from tests.support.server import ServerProcess
from veogate.client import (
    AsyncClient,
    BadRequest,
    Client,
    Job,
    JobStatus,
    NotFound,
    Unauthorized,
)

SRC = Path(__file__).resolve().parents[2] / "src"


def test_create_wait_download(api: Client, tmp_path: Path) -> None:
    seen: list[Job] = []
    created = api.create("a paper boat", model="veo-3.1-fast", duration=4, resolution="720p")
    assert created.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    assert created.model == "veo-3.1-fast"

    done = api.wait(created.id, on_progress=seen.append, timeout=120)

    assert done.status is JobStatus.SUCCEEDED
    assert done.progress == 100
    assert done.usage is not None
    assert len(done.outputs) == 1
    assert seen
    assert seen[-1].status is JobStatus.SUCCEEDED
    path = api.download(done.id, tmp_path / "boat.mp4")
    video = decode(path.read_bytes())
    assert (video.width, video.height) == (1280, 720)
    assert video.video_seconds == pytest.approx(4, abs=0.2)
    assert [p.name for p in tmp_path.iterdir()] == ["boat.mp4"]  # no temporary left


async def test_async_client_two_samples_portrait(
    server: ServerProcess, key: str, pictures: dict[str, Path], tmp_path: Path
) -> None:
    async with AsyncClient(server.url, key) as api:
        created = await api.create(
            "a dancer turns",
            model="veo-3.1",
            duration=4,
            aspect_ratio="9:16",
            samples=2,
            seed=7,
            audio=False,
            first_frame=pictures["first.png"],
        )
        done = await api.wait(created.id, timeout=120)
        assert done.status is JobStatus.SUCCEEDED
        assert done.samples == 2
        assert len(done.outputs) == 2
        for sample in (0, 1):
            path = await api.download(done.id, tmp_path / f"{sample}.mp4", sample=sample)
            video = decode(path.read_bytes())
            assert (video.width, video.height) == (720, 1280)
            assert video.audio_codec is None
        assert (await api.get(created.id)).id == created.id


@pytest.fixture
def proxy(server: ServerProcess) -> Iterator[Proxy]:
    proxy = Proxy(server.url)
    yield proxy
    proxy.stop()


def test_wait_polls_when_the_stream_is_not_served(proxy: Proxy, key: str) -> None:
    proxy.refuse_events = True
    with Client(proxy.start(), key) as api:
        created = api.create("a kite", model="veo-3.1-fast", duration=4)
        done = api.wait(created.id, timeout=120)
    assert done.status is JobStatus.SUCCEEDED
    assert [seen.status for seen in proxy.streams()] == [404]
    reads = [s for s in proxy.seen if s.path.startswith("/v1/videos/") and s.method == "GET"]
    assert len(reads) >= 2  # polled until the end


def test_wait_resumes_a_dropped_stream_after_the_last_event(proxy: Proxy, key: str) -> None:
    proxy.cut_first_stream = True
    with Client(proxy.start(), key) as api:
        created = api.create("a lantern", model="veo-3.1-fast", duration=4)
        done = api.wait(created.id, timeout=120)
    assert done.status is JobStatus.SUCCEEDED
    first, second, *_ = proxy.streams()
    assert first.last_event_id is None
    assert second.last_event_id is not None
    assert second.last_event_id.startswith("evt_")


def test_errors_carry_status_code_and_param(server: ServerProcess, api: Client) -> None:
    with pytest.raises(BadRequest) as bad_duration:
        api.create("a cat", model="veo-3.1-fast", duration=5)
    assert (bad_duration.value.status, bad_duration.value.param) == (400, "duration")
    assert bad_duration.value.code == "invalid_seconds"

    with pytest.raises(BadRequest) as unknown_model:
        api.create("a cat", model="no-such-model")
    assert (unknown_model.value.code, unknown_model.value.param) == ("invalid_model", "model")

    with pytest.raises(BadRequest) as bad_resolution:
        api.create("a cat", model="veo-3.1-fast", resolution="8K")
    assert bad_resolution.value.param == "resolution"

    with pytest.raises(BadRequest) as missing_file:
        api.create("a cat", model="veo-3.1-fast", first_frame="/no/such/picture.png")
    assert missing_file.value.param == "first_frame"

    with pytest.raises(NotFound) as unknown_job:
        api.get("video_01jd3x4k5m6n7p8q9r0s1t2v3w")
    assert (unknown_job.value.status, unknown_job.value.code) == (404, "not_found")

    with Client(server.url, "vg_wrong") as stranger, pytest.raises(Unauthorized) as refused:
        stranger.list()
    assert refused.value.status == 401


def test_download_of_an_unfinished_job_writes_nothing(api: Client, tmp_path: Path) -> None:
    created = api.create("a slow tide", model="veo-3.1-fast", duration=8, samples=4)
    with pytest.raises(NotFound):
        api.download(created.id, tmp_path / "tide.mp4")
    assert list(tmp_path.iterdir()) == []
    assert api.cancel(created.id).status in (JobStatus.CANCELLED, JobStatus.SUCCEEDED)


def test_list_and_models(api: Client) -> None:
    older = api.create("a heron waits", model="veo-3.1-fast", duration=4)
    created = api.create("a heron", model="veo-3.1-fast", duration=4)
    first = api.list(limit=1)
    assert first.jobs[0].id == created.id
    assert first.has_more
    assert first.last_id == created.id
    assert api.list(limit=1, after=first.last_id).jobs[0].id == older.id
    canonical = {model.name: model.canonical for model in api.models()}
    assert canonical["veo3.1-fast-official"] == "veo-3.1-fast"
    api.wait(created.id, timeout=120)
    api.wait(older.id, timeout=120)


def _veogate_modules_after(statement: str) -> list[str]:
    probe = (
        f"import sys\n{statement}\nprint(sorted(m for m in sys.modules if m.startswith('veogate')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    return list(ast.literal_eval(done.stdout.strip()))


def test_the_client_imports_nothing_from_the_server() -> None:
    loaded = _veogate_modules_after("import veogate.client")
    assert [m for m in loaded if m != "veogate" and not m.startswith("veogate.client")] == []
    init = (SRC / "veogate" / "__init__.py").read_text()
    assert "import" not in init


def test_the_command_line_loads_no_server_module_until_a_server_command_runs() -> None:
    """`veogate generate` and `veogate jobs` start without the server's modules."""
    loaded = _veogate_modules_after("import veogate.cli.main")
    assert "veogate.client" in loaded
    server_side = [
        m for m in loaded if not m.startswith(("veogate.client", "veogate.cli")) and m != "veogate"
    ]
    assert server_side == []
    assert "veogate.cli.server" not in loaded
