"""The still parts of a preview: colours, background and the overlay of text and
thumbnails, drawn once per sample with Pillow."""

from __future__ import annotations

import colorsys
import hashlib
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from veogate.media.images import fit_image
from veogate.providers.base import SampleRequest
from veogate.providers.preview import text
from veogate.providers.preview.layout import Box, Layout

RGB = tuple[int, int, int]
WHITE: RGB = (255, 255, 255)
LABEL = "veogate preview renderer - not an AI model"


def seeded_random(seed: int, sample_index: int, purpose: str) -> random.Random:
    """A generator fixed by (seed, sample_index, purpose), stable across processes."""
    digest = hashlib.sha256(f"veogate.preview/{purpose}/{seed}/{sample_index}".encode()).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _hsv(h: float, s: float, v: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return (round(r * 255), round(g * 255), round(b * 255))


@dataclass(frozen=True)
class Palette:
    top: RGB
    bottom: RGB
    accent: RGB
    muted: RGB

    @classmethod
    def from_seed(cls, seed: int, sample_index: int) -> Palette:
        rng = seeded_random(seed, sample_index, "palette")
        hue = rng.random()
        return cls(
            top=_hsv(hue, rng.uniform(0.45, 0.7), rng.uniform(0.38, 0.5)),
            bottom=_hsv(hue + rng.uniform(0.04, 0.12), rng.uniform(0.55, 0.8), 0.14),
            accent=_hsv(hue + 0.5 + rng.uniform(-0.08, 0.08), 0.7, 1.0),
            muted=_hsv(hue, 0.15, 0.85),
        )


def background(width: int, height: int, palette: Palette) -> Image.Image:
    """A vertical gradient between the palette's colours with a soft vignette."""
    ys = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    xs = np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, :]
    vignette = 1.0 - 0.25 * xs * xs  # (1, w), in [0.75, 1]
    bands = []
    for top, bottom in zip(palette.top, palette.bottom, strict=True):
        column = top + (bottom - top) * ys  # (h, 1), within 0..255
        plane = column * vignette + 0.5
        bands.append(Image.fromarray(plane.astype(np.uint8), "L"))
    return Image.merge("RGB", bands)


def dimmed(image: Image.Image, backdrop: Image.Image, amount: float = 0.6) -> Image.Image:
    """`image` faded towards `backdrop`, for use behind the overlay."""
    return Image.blend(image, backdrop, amount)


def _panel(draw: ImageDraw.ImageDraw, box: Box, radius: int, alpha: int) -> None:
    draw.rounded_rectangle(
        (box[0], box[1], box[2] - 1, box[3] - 1), radius=radius, fill=(0, 0, 0, alpha)
    )


def info_lines(request: SampleRequest) -> list[str]:
    spec = request.spec
    has_images = spec.first_frame is not None or spec.last_frame is not None
    resize = f" | resize {spec.resize_mode}" if has_images else ""
    lines = [
        f"model {spec.public_model} ({spec.canonical_model})",
        f"seed {spec.seed} | sample {request.sample_index + 1} of {spec.sample_count}"
        f" | mode {spec.mode}{resize}",
        f"{request.width}x{request.height} ({spec.aspect_ratio}, {spec.resolution})"
        f" | {spec.duration_seconds} s at 24 fps = {spec.frame_count} frames"
        f" | audio {'on' if spec.generate_audio else 'off'}",
    ]
    if spec.negative_prompt:
        lines.append(f"negative prompt: {spec.negative_prompt}")
    return [text.sanitize(line).replace("\n", " ") for line in lines]


def overlay(request: SampleRequest, layout: Layout, palette: Palette) -> Image.Image:
    """Everything that does not move, on a transparent RGBA canvas."""
    canvas = Image.new("RGBA", (layout.width, layout.height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    px = layout.px
    _draw_banner(draw, layout, palette)
    _draw_prompt(draw, layout, palette, request.spec.prompt)

    _panel(draw, layout.info, px(12), 120)
    face = text.font(px(21))
    inner_w = layout.info[2] - layout.info[0] - 2 * px(14)
    for row, line in enumerate(info_lines(request)[:4]):
        xy = (layout.info[0] + px(14), layout.info[1] + px(10) + row * px(30))
        fill = WHITE if row == 0 else palette.muted
        draw.text(xy, text.ellipsize(line, face, inner_w), font=face, fill=fill)

    border = px(3)
    for box, reference in zip(layout.thumbnails, request.images.references, strict=False):
        outer = (box[0] - border, box[1] - border, box[2] + border - 1, box[3] + border - 1)
        draw.rectangle(outer, fill=(*WHITE, 230))
        fitted = fit_image(reference, box[2] - box[0], box[3] - box[1], "pad")
        canvas.paste(fitted.convert("RGBA"), box[:2])

    _panel(draw, layout.lane, px(14), 70)
    floor_y = layout.lane[3] - px(12)
    draw.line((layout.lane[0] + px(14), floor_y, layout.lane[2] - px(14), floor_y), WHITE, px(2))
    _panel(draw, layout.clock, px(8), 150)
    bar = layout.bar
    draw.rectangle((bar[0], bar[1], bar[2] - 1, bar[3] - 1), fill=(*WHITE, 60))
    return canvas


def _draw_banner(draw: ImageDraw.ImageDraw, layout: Layout, palette: Palette) -> None:
    px = layout.px
    banner = layout.banner
    draw.rectangle((banner[0], banner[1], banner[2] - 1, banner[3] - 1), fill=(0, 0, 0, 190))
    draw.rectangle((banner[0], banner[3] - px(4), banner[2] - 1, banner[3] - 1), palette.accent)
    face = text.font(px(26))
    mid = (banner[1] + banner[3] - px(4)) // 2
    draw.text((layout.margin, mid), LABEL, font=face, fill=WHITE, anchor="lm")
    if layout.width >= px(1000):
        small = text.font(px(20))
        right = (layout.width - layout.margin, mid)
        draw.text(right, "PREVIEW", fill=palette.accent, font=small, anchor="rm")


def _draw_prompt(draw: ImageDraw.ImageDraw, layout: Layout, palette: Palette, prompt: str) -> None:
    px = layout.px
    box = layout.prompt_panel
    _panel(draw, box, px(16), 120)
    pad = px(20)
    draw.text((box[0] + pad, box[1] + pad), "PROMPT", font=text.font(px(18)), fill=palette.accent)
    top = box[1] + pad + px(30)
    paragraph = text.fit_paragraph(
        text.sanitize(prompt).strip() or "(empty prompt)",
        max_width=box[2] - box[0] - 2 * pad,
        max_height=box[3] - top - pad,
        largest=px(40),
        smallest=px(18),
    )
    for row, line in enumerate(paragraph.lines):
        xy = (box[0] + pad, top + row * paragraph.line_height)
        draw.text(xy, line, font=paragraph.face, fill=WHITE)


def ball_image(diameter: int, palette: Palette) -> Image.Image:
    """An anti-aliased shaded ball (RGBA, `diameter` square)."""
    big = diameter * 4
    canvas = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((0, 0, big - 1, big - 1), fill=(*palette.accent, 255))
    shine = tuple(min(255, c + 90) for c in palette.accent)
    draw.ellipse((big * 0.2, big * 0.15, big * 0.5, big * 0.42), fill=(*shine, 255))
    return canvas.resize((diameter, diameter), Image.Resampling.BOX)


def clock_mask(layout: Layout, frame_index: int, frame_count: int, fps: int) -> Image.Image:
    """The time indicator text for one frame, as an `L` mask the size of the clock box."""
    box = layout.clock
    mask = Image.new("L", (box[2] - box[0], box[3] - box[1]), 0)
    seconds = frame_index / fps
    label = f"{seconds:5.2f} s / {frame_count // fps} s   #{frame_index + 1}/{frame_count}"
    face = text.font(layout.px(21))
    xy = (layout.px(12), mask.height // 2)
    ImageDraw.Draw(mask).text(xy, label, fill=255, font=face, anchor="lm")
    return mask
