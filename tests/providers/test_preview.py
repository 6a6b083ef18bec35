"""The local preview renderer, checked on real files decoded with PyAV (nothing mocked)."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageDraw

from veogate.errors import ProviderError
from veogate.jobs.model import ImageInput, JobSpec, ResizeMode
from veogate.media.images import fit_image
from veogate.media.video import probe
from veogate.providers.base import ResolvedImages, SampleRequest, VideoProvider
from veogate.providers.preview import PreviewProvider
from veogate.providers.preview.audio import synthesize
from veogate.providers.preview.layout import compute_layout
from veogate.providers.preview.render import render_sample
from veogate.providers.preview.text import font as text_font
from veogate.providers.preview.text import sanitize, wrap

RGBArray = npt.NDArray[np.uint8]
MAD_LIMIT = 6.0


def make_request(
    *,
    width: int = 1280,
    height: int = 720,
    duration: int = 4,
    seed: int = 42,
    sample_index: int = 0,
    audio: bool = True,
    images: ResolvedImages | None = None,
    **spec_fields: Any,
) -> SampleRequest:
    images = images or ResolvedImages()
    if images.first_frame is not None:
        spec_fields.setdefault("first_frame", ImageInput(source="data:", field="first_frame"))
    if images.last_frame is not None:
        spec_fields.setdefault("last_frame", ImageInput(source="data:", field="last_frame"))
    spec = JobSpec(
        public_model="veo3.1-fast-official",
        canonical_model="veo-3.1-fast",
        prompt="A red fox trotting through fresh snow at dawn, low angle tracking shot.",
        duration_seconds=duration,
        seed=seed,
        generate_audio=audio,
        aspect_ratio="16:9" if width >= height else "9:16",
        **spec_fields,
    )
    return SampleRequest(spec, sample_index, width, height, images)


def render(request: SampleRequest, path: Path) -> Path:
    render_sample(request, path)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def decode_frames(path: Path, indices: set[int] | None = None) -> dict[int, RGBArray]:
    """RGB arrays of the wanted frames (all if `indices` is None), in display order."""
    frames: dict[int, RGBArray] = {}
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if indices is None or index in indices:
                frames[index] = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
    return frames


def decode_audio(path: Path) -> npt.NDArray[np.float32]:
    with av.open(str(path)) as container:
        chunks = [frame.to_ndarray().mean(axis=0) for frame in container.decode(audio=0)]
    return np.concatenate(chunks).astype(np.float32)


def mad(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> float:
    return float(np.mean(np.abs(a.astype(np.float32) - b.astype(np.float32))))


def gradient(width: int, height: int, tint: tuple[int, int, int]) -> Image.Image:
    """A smooth, recognisable test picture: a gradient with a bright disc."""
    xs = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    ys = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    base = np.array(tint, dtype=np.float32) * (0.35 + 0.65 * xs) * (0.5 + 0.5 * ys)
    image = Image.fromarray(base.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    w, h = width, height
    draw.ellipse((w * 0.3, h * 0.25, w * 0.7, h * 0.75), fill=(255 - tint[0], 230, 255 - tint[2]))
    return image


FIRST = gradient(800, 600, (220, 60, 30))  # 4:3
LAST = gradient(600, 900, (30, 90, 230))  # 2:3 portrait


# ----------------------------------------------------------------------- the file


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (720, 1280)], ids=["16:9", "9:16"])
def test_720p_geometry_and_format(tmp_path: Path, width: int, height: int) -> None:
    path = render(make_request(width=width, height=height), tmp_path / "out.mp4")
    measured = probe(path)
    assert (measured.width, measured.height) == (width, height)
    assert measured.frame_count == 4 * 24
    assert measured.fps == 24.0
    assert measured.duration_seconds == pytest.approx(4.0, abs=0.01)
    assert measured.video_codec == "h264"
    assert measured.profile == "High"
    assert measured.pix_fmt == "yuv420p"
    assert measured.faststart is True
    assert measured.has_audio is True
    assert measured.audio_codec == "aac"
    assert measured.audio_duration_seconds == pytest.approx(4.0, abs=0.05)
    decoded_audio_seconds = len(decode_audio(path)) / 48_000
    assert decoded_audio_seconds == pytest.approx(measured.duration_seconds, abs=0.05)
    assert measured.size_bytes == path.stat().st_size


def test_1080p_without_audio(tmp_path: Path) -> None:
    request = make_request(width=1920, height=1080, duration=8, audio=False, resolution="1080p")
    measured = probe(render(request, tmp_path / "out.mp4"))
    assert (measured.width, measured.height, measured.frame_count) == (1920, 1080, 192)
    assert measured.duration_seconds == pytest.approx(8.0, abs=0.01)
    assert measured.has_audio is False
    assert measured.audio_codec is None
    assert (measured.profile, measured.pix_fmt, measured.faststart) == ("High", "yuv420p", True)


def test_audio_is_audible_and_seeded(tmp_path: Path) -> None:
    samples = decode_audio(render(make_request(width=640, height=360), tmp_path / "a.mp4"))
    rms = float(np.sqrt(np.mean(samples**2)))
    assert rms > 0.05, f"audio too quiet (rms {rms:.4f})"
    assert float(np.max(np.abs(samples))) <= 1.0
    one, other = synthesize(1, 0, 2.0), synthesize(2, 0, 2.0)
    assert len(one) == len(other) == 96_000
    assert not np.array_equal(one, other)
    assert np.array_equal(one, synthesize(1, 0, 2.0))


# ------------------------------------------------------------------ determinism


def test_same_request_gives_identical_bytes(tmp_path: Path) -> None:
    request = make_request(width=640, height=360, images=ResolvedImages(references=(FIRST,)))
    first = render(request, tmp_path / "one.mp4")
    second = render(request, tmp_path / "two.mp4")
    assert sha256(first) == sha256(second)

    other_seed = render(make_request(width=640, height=360, seed=43), tmp_path / "seed.mp4")
    other_sample = render(make_request(width=640, height=360, sample_index=1), tmp_path / "s.mp4")
    digests = {sha256(first), sha256(other_seed), sha256(other_sample)}
    assert len(digests) == 3


def test_identical_bytes_across_processes(tmp_path: Path) -> None:
    """No per-process state (hash randomisation, clocks) leaks into the file."""
    here = render(make_request(width=640, height=360, seed=7), tmp_path / "here.mp4")
    script = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[2]);"
        "from test_preview import make_request; "
        "from veogate.providers.preview.render import render_sample; "
        "render_sample(make_request(width=640, height=360, seed=7), Path(sys.argv[1]))"
    )
    there = tmp_path / "there.mp4"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    argv = [sys.executable, "-c", script, str(there), str(Path(__file__).parent)]
    subprocess.run(argv, check=True, env=env, timeout=120)
    assert sha256(here) == sha256(there)


async def test_concurrent_renders_match_sequential_ones(tmp_path: Path) -> None:
    requests = [make_request(width=640, height=360, seed=seed) for seed in (1, 2, 3)]
    provider = PreviewProvider()
    paths = [tmp_path / f"together-{i}.mp4" for i in range(3)]
    await asyncio.gather(
        *(provider.generate(r, p, lambda _: None) for r, p in zip(requests, paths, strict=True))
    )
    for request, path in zip(requests, paths, strict=True):
        alone = render(request, tmp_path / f"alone-{path.name}")
        assert sha256(alone) == sha256(path)


# ------------------------------------------------------------------------ images


@pytest.mark.parametrize("resize_mode", ["pad", "crop"])
def test_first_and_last_frames_are_the_fitted_images(
    tmp_path: Path, resize_mode: ResizeMode
) -> None:
    images = ResolvedImages(first_frame=FIRST, last_frame=LAST)
    request = make_request(images=images, resize_mode=resize_mode, audio=False)
    frames = decode_frames(render(request, tmp_path / "out.mp4"))
    assert len(frames) == 96
    fitted_first = np.asarray(fit_image(FIRST, 1280, 720, resize_mode))
    fitted_last = np.asarray(fit_image(LAST, 1280, 720, resize_mode))
    assert mad(frames[0], fitted_first) < MAD_LIMIT
    assert mad(frames[95], fitted_last) < MAD_LIMIT
    assert mad(frames[48], fitted_first) > 15
    assert mad(frames[48], fitted_last) > 15
    steps = [mad(frames[i], frames[i + 1]) for i in range(95)]
    assert max(steps) < 12, f"transition is not smooth: largest step {max(steps):.1f}"


def test_first_frame_only_starts_on_the_image(tmp_path: Path) -> None:
    request = make_request(images=ResolvedImages(first_frame=FIRST), audio=False)
    frames = decode_frames(render(request, tmp_path / "out.mp4"), {0, 60})
    fitted = np.asarray(fit_image(FIRST, 1280, 720, "pad"))
    assert mad(frames[0], fitted) < MAD_LIMIT
    assert mad(frames[60], fitted) > 15  # the preview content took over


def test_reference_thumbnails_are_visible(tmp_path: Path) -> None:
    refs = (
        gradient(640, 360, (240, 40, 40)),
        gradient(300, 500, (40, 220, 60)),
        gradient(500, 500, (50, 60, 240)),
    )
    request = make_request(images=ResolvedImages(references=refs), audio=False)
    frames = decode_frames(render(request, tmp_path / "out.mp4"), {0, 50, 95})
    boxes = compute_layout(1280, 720, len(refs)).thumbnails
    assert len(boxes) == 3
    for index in (0, 50, 95):
        for box, ref in zip(boxes, refs, strict=True):
            x0, y0, x1, y1 = box
            expected = np.asarray(fit_image(ref, x1 - x0, y1 - y0, "pad"))
            region = frames[index][y0:y1, x0:x1]
            assert mad(region, expected) < MAD_LIMIT
            other = refs[(refs.index(ref) + 1) % 3]
            assert mad(region, np.asarray(fit_image(other, x1 - x0, y1 - y0, "pad"))) > 20


# ------------------------------------------------------------------- the content


def test_motion_and_seeded_background(tmp_path: Path) -> None:
    frames = decode_frames(render(make_request(audio=False), tmp_path / "a.mp4"), {10, 40})
    lane = compute_layout(1280, 720, 0).lane
    x0, y0, x1, y1 = lane
    assert mad(frames[10][y0:y1, x0:x1], frames[40][y0:y1, x0:x1]) > 1.0  # the ball moved
    other = decode_frames(render(make_request(seed=9, audio=False), tmp_path / "b.mp4"), {10})
    corner = (slice(y1, 720), slice(0, 20))  # a margin: plain background only
    assert mad(frames[10][corner], other[10][corner]) > 8


def test_text_is_folded_onto_the_bundled_font() -> None:
    assert sanitize("Café — 3×4 “ok”\nnext") == "Cafe - 3x4 “ok”\nnext"
    assert sanitize("狐") == "?"
    face = text_font(20)
    lines = wrap("a " * 200 + "x" * 300, face, 300)
    assert len(lines) > 3
    assert all(face.getlength(line) <= 300 for line in lines)


# ------------------------------------------------------------------- the provider


async def test_provider_reports_progress_on_the_loop(tmp_path: Path) -> None:
    provider: VideoProvider = PreviewProvider()
    assert provider.name == "preview"
    loop_thread = threading.get_ident()
    seen: list[tuple[float, float, int]] = []

    def progress(fraction: float) -> None:
        seen.append((time.monotonic(), fraction, threading.get_ident()))

    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    destination = tmp_path / "out.mp4"
    await provider.generate(make_request(duration=8), destination, progress)
    elapsed = time.monotonic() - started
    ticker.cancel()

    fractions = [fraction for _, fraction, _ in seen]
    assert fractions[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert all(a < b for a, b in itertools.pairwise(fractions))
    assert {thread for _, _, thread in seen} == {loop_thread}
    assert len(seen) <= elapsed * 10 + 3
    assert ticks > elapsed * 100 * 0.3, "the event loop was starved while rendering"
    assert probe(destination).frame_count == 192
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]


async def test_cancelling_stops_the_render_and_leaves_no_file(tmp_path: Path) -> None:
    started = asyncio.Event()
    destination = tmp_path / "out.mp4"

    def progress(fraction: float) -> None:
        started.set()

    task = asyncio.create_task(
        PreviewProvider().generate(make_request(duration=8), destination, progress)
    )
    await asyncio.wait_for(started.wait(), timeout=30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "break_it",
    [
        pytest.param(lambda tmp: (make_request(), tmp / "missing-dir" / "out.mp4"), id="no-dir"),
        pytest.param(lambda tmp: (make_request(width=641, height=360), tmp / "o.mp4"), id="odd"),
    ],
)
async def test_failures_raise_provider_error(
    tmp_path: Path, break_it: Callable[[Path], tuple[SampleRequest, Path]]
) -> None:
    request, destination = break_it(tmp_path)
    with pytest.raises(ProviderError) as caught:
        await PreviewProvider().generate(request, destination, lambda _: None)
    assert "preview renderer" in caught.value.message
    assert not destination.exists()
    assert list(tmp_path.iterdir()) == []
