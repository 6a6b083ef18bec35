"""Still images made from a stored video: a thumbnail (its middle frame) and a spritesheet
(a grid of frames spread over its length).

Decoding reads only what is needed (the thumbnail seeks to the middle; the spritesheet stops
after its last frame) and holds one decoded frame at a time, scaled by FFmpeg before it
becomes an image. Previews are kept in storage beside their video (`preview_key`), so the
retention sweep deletes them with it.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import av
from PIL import Image


@dataclass(frozen=True)
class PreviewKind:
    name: str
    extension: str
    media_type: str


THUMBNAIL = PreviewKind("thumbnail", "webp", "image/webp")
SPRITESHEET = PreviewKind("spritesheet", "jpg", "image/jpeg")
KINDS = {kind.name: kind for kind in (THUMBNAIL, SPRITESHEET)}

SPRITE_COLUMNS = 4
SPRITE_ROWS = 4
SPRITE_TILE_LONG_SIDE = 320
"""Each spritesheet tile's longer side in pixels (the other keeps the video's proportions)."""
WEBP_QUALITY = 85
JPEG_QUALITY = 85


def preview_key(video_key: str, kind: PreviewKind) -> str:
    """Where the `kind` preview of the video stored at `video_key` is kept."""
    return f"{video_key}.{kind.name}.{kind.extension}"


def preview_keys(video_key: str) -> list[str]:
    """Every preview a video may have, for deleting them with it."""
    return [preview_key(video_key, kind) for kind in KINDS.values()]


def write_preview(video: Path, kind: PreviewKind, out: Path) -> None:
    """Render the `kind` preview of `video` into `out` (blocking: run it off the loop)."""
    if kind is THUMBNAIL:
        middle_frame(video).save(out, "WEBP", quality=WEBP_QUALITY)
    else:
        spritesheet(video).save(out, "JPEG", quality=JPEG_QUALITY)


@functools.cache
def _preview_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="video-preview")


async def render_preview(video: Path, kind: PreviewKind, out: Path) -> None:
    """`write_preview` in this process's one preview thread: at most one decode at a time."""
    render = functools.partial(write_preview, video, kind, out)
    await asyncio.get_running_loop().run_in_executor(_preview_thread(), render)


def middle_frame(video: Path) -> Image.Image:
    """The frame shown at half the video's duration."""
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        duration = _duration_seconds(container, stream)
        target = duration / 2
        half_frame = 0.5 / float(stream.average_rate or 24)
        if stream.time_base is not None and target > 0:
            container.seek(int(target / stream.time_base), stream=stream, backward=True)
        chosen = None
        for frame in container.decode(stream):
            chosen = frame
            if frame.time is not None and frame.time >= target - half_frame:
                break
        if chosen is None:
            raise ValueError(f"{video.name}: no video frame to make a thumbnail of")
        return _image(chosen)


def spritesheet(video: Path) -> Image.Image:
    """`SPRITE_COLUMNS` x `SPRITE_ROWS` frames, evenly spread, left to right, top to bottom."""
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        width, height = stream.codec_context.width, stream.codec_context.height
        scale = SPRITE_TILE_LONG_SIDE / max(width, height)
        tile = (max(2, round(width * scale)), max(2, round(height * scale)))
        sheet = Image.new("RGB", (tile[0] * SPRITE_COLUMNS, tile[1] * SPRITE_ROWS))
        duration = _duration_seconds(container, stream)
        count = SPRITE_COLUMNS * SPRITE_ROWS
        targets = [(i + 0.5) * duration / count for i in range(count)]
        for slot, frame in enumerate(_frames_at(container.decode(stream), targets)):
            image = _image(frame, tile)
            sheet.paste(
                image, ((slot % SPRITE_COLUMNS) * tile[0], (slot // SPRITE_COLUMNS) * tile[1])
            )
        return sheet


def _frames_at(frames: Iterator[av.VideoFrame], targets: list[float]) -> Iterator[av.VideoFrame]:
    """For each target time (ascending), the first frame shown at or after it; decoding
    stops after the last target. A video shorter than its header says repeats its last frame."""
    pending = iter(targets)
    target = next(pending, None)
    last = None
    for frame in frames:
        last = frame
        while target is not None and (frame.time is None or frame.time >= target):
            yield frame
            target = next(pending, None)
        if target is None:
            return
    while target is not None and last is not None:
        yield last
        target = next(pending, None)


def _image(frame: av.VideoFrame, size: tuple[int, int] | None = None) -> Image.Image:
    """The frame as RGB, scaled to `size` by FFmpeg first when given."""
    width, height = size if size is not None else (None, None)
    rgb = frame.reformat(width=width, height=height, format="rgb24")
    return Image.fromarray(rgb.to_ndarray())


def _duration_seconds(container: av.container.InputContainer, stream: av.VideoStream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    frames = stream.frames or 0
    return frames / float(stream.average_rate or 24)
