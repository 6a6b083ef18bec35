"""How responsive does the event loop stay while the preview renderer works?

Runs an asyncio loop that wakes every 10 ms while one 1080p, 8-second preview renders,
once in a worker thread (`asyncio.to_thread`) and once in a 'spawn' process pool, and
reports how late the ticks were (p50/p99/max, in ms) and the render wall time.

    .venv/bin/python bench/bench_render_offloop.py [--repeat N] [--resolution 1080p]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from veogate.jobs.model import ImageInput, JobSpec
from veogate.providers.base import ResolvedImages, SampleRequest
from veogate.providers.preview.render import render_sample

TICK_S = 0.010
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080), "4K": (3840, 2160)}


def _gradient(width: int, height: int, flip: bool) -> Image.Image:
    xs = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    ys = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    red = np.broadcast_to(ys if flip else xs, (height, width))
    green = np.broadcast_to(xs if flip else ys, (height, width))
    blue = np.full((height, width), 96.0, dtype=np.float32)
    return Image.fromarray(np.stack([red, green, blue], axis=-1).astype(np.uint8), "RGB")


def make_request(resolution: str, audio: bool, images: bool) -> SampleRequest:
    width, height = SIZES[resolution]
    resolved = ResolvedImages()
    frames: dict[str, ImageInput] = {}
    if images:
        resolved = ResolvedImages(_gradient(800, 600, False), _gradient(640, 480, True))
        frames = {
            "first_frame": ImageInput(source="data:", field="first_frame"),
            "last_frame": ImageInput(source="data:", field="last_frame"),
        }
    spec = JobSpec(
        public_model="veo3.1-fast-official",
        canonical_model="veo-3.1-fast",
        prompt="A lighthouse on a cliff at dusk, waves crashing, slow dolly-in, cinematic.",
        duration_seconds=8,
        resolution=resolution,
        seed=1234,
        generate_audio=audio,
        **frames,
    )
    return SampleRequest(spec, 0, width, height, resolved)


def _render_in_child(request: SampleRequest, destination: str) -> None:
    render_sample(request, Path(destination))


def _busy(ms: float) -> None:
    """Pure-Python work standing in for handling a request (holds the GIL)."""
    end = time.perf_counter() + ms / 1000.0
    while time.perf_counter() < end:
        pass


async def _ticker(stop: asyncio.Event, lateness: list[float], work_ms: float) -> None:
    while not stop.is_set():
        expected = time.perf_counter() + TICK_S
        await asyncio.sleep(TICK_S)
        lateness.append(max(0.0, time.perf_counter() - expected) * 1000.0)
        if work_ms:
            _busy(work_ms)


async def measure(
    mode: str, request: SampleRequest, pool: ProcessPoolExecutor, work_ms: float
) -> dict[str, float]:
    lateness: list[float] = []
    stop = asyncio.Event()
    ticker = asyncio.create_task(_ticker(stop, lateness, work_ms))
    with tempfile.TemporaryDirectory() as tmp:
        destination = Path(tmp) / "out.mp4"
        started = time.perf_counter()
        if mode == "idle":  # baseline: the loop alone, nothing rendering
            await asyncio.sleep(2.0)
        elif mode == "thread":
            await asyncio.to_thread(render_sample, request, destination)
        else:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(pool, _render_in_child, request, str(destination))
        wall = time.perf_counter() - started
    stop.set()
    await ticker
    ordered = sorted(lateness)
    return {
        "wall_s": wall,
        "ticks": float(len(ordered)),
        "p50_ms": statistics.median(ordered),
        "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "max_ms": ordered[-1],
    }


async def main(repeat: int, resolution: str, audio: bool, images: bool, work_ms: float) -> None:
    request = make_request(resolution, audio, images)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        await asyncio.get_running_loop().run_in_executor(pool, time.sleep, 0)  # warm the worker
        await measure("process", request, pool, work_ms)  # warm imports inside the worker
        results: dict[str, list[dict[str, float]]] = {"idle": [], "thread": [], "process": []}
        for _ in range(repeat):
            for mode in results:
                results[mode].append(await measure(mode, request, pool, work_ms))
    summary: dict[str, dict[str, float]] = {}
    for mode, runs in results.items():
        summary[mode] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        row = summary[mode]
        print(
            f"{mode:8s} render {row['wall_s']:.2f} s  ticks {row['ticks']:.0f}  lateness "
            f"p50 {row['p50_ms']:.2f} ms  p99 {row['p99_ms']:.2f} ms  max {row['max_ms']:.2f} ms"
        )
    t, p = summary["thread"], summary["process"]
    print(
        f"thread/process ratio: p50 {t['p50_ms'] / max(p['p50_ms'], 1e-6):.2f}x  "
        f"p99 {t['p99_ms'] / max(p['p99_ms'], 1e-6):.2f}x  "
        f"render time {t['wall_s'] / p['wall_s']:.2f}x  (median of {repeat} runs each)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--resolution", choices=sorted(SIZES), default="1080p")
    parser.add_argument("--no-audio", action="store_true")
    parser.add_argument("--images", action="store_true", help="first+last frame mode")
    parser.add_argument("--work-ms", type=float, default=0.0, help="Python work per tick")
    args = parser.parse_args()
    print(
        f"{args.resolution} 8 s, audio {not args.no_audio}, images {args.images}, "
        f"tick {TICK_S * 1000:.0f} ms + {args.work_ms} ms work"
    )
    asyncio.run(main(args.repeat, args.resolution, not args.no_audio, args.images, args.work_ms))
