"""Image bombs under the caps: 49-megapixel images (the default cap is 50) that compress to
a few hundred KiB. Twenty concurrent creates carrying them, then the rendering of the
first jobs, must keep the server process under 500 MB of resident memory (its peak as
the kernel keeps it, VmHWM).

Before header-only intake, one such create cost 1.1 to 1.4 GB and these twenty took the
process to 12.8 GB.
"""

from __future__ import annotations

import base64
import io
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.security.conftest import APIMART, KYY, assert_refused
from tests.support.server import ServerProcess

SIDE = 7000  # 49,000,000 pixels
CONCURRENT = 20
RSS_LIMIT_MB = 500
RENDERED = 4  # jobs rendered (each image decoded at full size first) before the second check


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=9)
    return buffer.getvalue()


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


@pytest.fixture(scope="module")
def bombs() -> list[str]:
    """Flat-colour 7000×7000 images as data: URIs, one of each costly kind."""
    grey16 = Image.fromarray(np.full((SIDE, SIDE), 40_000, dtype=np.uint16))
    jpeg = io.BytesIO()
    Image.new("RGB", (SIDE, SIDE), (20, 120, 220)).save(jpeg, "JPEG", quality=90)
    uris = [
        _data_uri(_png(Image.new("LA", (SIDE, SIDE), (128, 200))), "image/png"),  # the report
        _data_uri(_png(Image.new("RGBA", (SIDE, SIDE), (200, 30, 40, 128))), "image/png"),
        _data_uri(_png(grey16), "image/png"),  # 16-bit grey
        _data_uri(jpeg.getvalue(), "image/jpeg"),
    ]
    assert all(len(uri) < 1_100_000 for uri in uris)
    return uris


@pytest.fixture(scope="module")
def bomb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(
        tmp_path_factory.mktemp("bombs") / "veogate",
        env={"VEOGATE_RATE_LIMIT_PER_MINUTE": "0", "VEOGATE_MAX_ACTIVE_JOBS_PER_KEY": "0"},
    )
    server.start()
    yield server
    server.kill()
    log = server.log_path.read_text(errors="replace")
    assert "Traceback" not in log
    assert not re.search(r'HTTP/1\.[01]" 5\d\d', log)


def peak_rss_mb(server: ServerProcess) -> float:
    """The server process's peak resident memory so far, in MB (10^6 bytes)."""
    assert server.process is not None
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)  # kB here means KiB
    assert match is not None
    return int(match[1]) * 1024 / 1e6


def finished_tasks(client: httpx.Client, ids: list[str]) -> dict[str, str]:
    statuses = {i: client.get(f"/v1/tasks/{i}").json()["data"]["status"] for i in ids}
    return {i: s for i, s in statuses.items() if s in ("completed", "failed", "cancelled")}


def create(server: ServerProcess, uri: str, index: int) -> httpx.Response:
    body = {
        **APIMART.base,
        "prompt": f"bomb {index}",
        "first_frame_image": uri,
        "resize_mode": "crop" if index % 2 else "pad",
    }
    with server.client() as client:
        return client.post(APIMART.create_path, json=body, timeout=120)


def test_concurrent_image_bombs_stay_under_500_mb(
    bomb_server: ServerProcess, bombs: list[str]
) -> None:
    with ThreadPoolExecutor(CONCURRENT) as pool:
        responses = list(
            pool.map(lambda i: create(bomb_server, bombs[i % len(bombs)], i), range(CONCURRENT))
        )
    assert [r.status_code for r in responses] == [200] * CONCURRENT, responses[0].text
    after_creates = peak_rss_mb(bomb_server)
    print(f"\npeak RSS after {CONCURRENT} concurrent creates: {after_creates:.0f} MB")
    assert after_creates < RSS_LIMIT_MB

    ids = [r.json()["data"][0]["task_id"] for r in responses]
    with bomb_server.client() as client:
        deadline = time.monotonic() + 300
        while len(finished := finished_tasks(client, ids)) < RENDERED:
            assert time.monotonic() < deadline, finished
            time.sleep(0.5)
    assert all(status == "completed" for status in finished.values()), finished
    after_renders = peak_rss_mb(bomb_server)
    print(f"peak RSS after decoding and rendering {RENDERED} of them: {after_renders:.0f} MB")
    assert after_renders < RSS_LIMIT_MB


def test_webp_bomb_is_refused_from_its_header(bomb_server: ServerProcess) -> None:
    # libwebp decodes into four full-size buffers: a 7000×7000 WebP (2 KB) would need
    # 750 MB, so WebP may have a quarter of the pixels PNG and JPEG may.
    buffer = io.BytesIO()
    Image.new("RGBA", (SIDE, SIDE), (1, 2, 3, 4)).save(buffer, "WEBP", lossless=True)
    uri = _data_uri(buffer.getvalue(), "image/webp")
    with bomb_server.client() as client:
        body = {**KYY.base, "input_reference": [uri]}
        response = client.post(KYY.create_path, json=body)
    refusal = assert_refused(response, KYY, 400, "input_reference[0]")
    assert "WEBP" in refusal.message
    assert "12500000 pixels" in refusal.message
