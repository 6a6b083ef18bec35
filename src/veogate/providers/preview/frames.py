"""Per-frame composition: which backdrop each frame shows, how visible the overlay is,
and the moving parts (bouncing ball, progress bar, clock), all in YUV with numpy.

Static layers are converted to YUV once; a frame is a copy or a cross-fade of prepared
backdrops plus a few small sprites, so the cost per frame stays a handful of memory
passes even at 4K.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from PIL import Image

from veogate.jobs.model import FPS
from veogate.media.images import fit_image
from veogate.providers.base import SampleRequest
from veogate.providers.preview import scene
from veogate.providers.preview.layout import Layout, compute_layout
from veogate.providers.preview.yuv import (
    U8,
    Crossfade,
    Sprite,
    draw_sprite,
    fill_rect,
    image_to_frame,
)

INTRO_FRAMES = FPS  # first-frame-only: from the image to the preview over one second
EDGE_FRAMES = FPS // 2  # first+last: overlay fades in/out over half a second


@dataclass(frozen=True)
class FramePlan:
    """Frame = crossfade(backdrop `a` -> `b`, `mix`), overlay drawn at `opacity`."""

    a: str
    b: str
    mix: float
    opacity: float


def _smooth(t: float) -> float:
    t = min(1.0, max(0.0, t))
    return t * t * (3.0 - 2.0 * t)


def plan_frames(frame_count: int, has_first: bool, has_last: bool) -> list[FramePlan]:
    """The backdrop and overlay visibility of every frame.

    A given first frame is shown untouched at frame 0 and a given last frame untouched
    at the final frame; the overlay fades so it never covers either.
    """
    last = max(frame_count - 1, 1)
    plans: list[FramePlan] = []
    for i in range(frame_count):
        if has_first and has_last:
            edge = _smooth(min(i, last - i) / min(EDGE_FRAMES, max(last // 2, 1)))
            plans.append(FramePlan("first", "last", _smooth(i / last), edge))
        elif has_first:
            ramp = _smooth(i / min(INTRO_FRAMES, last))
            plans.append(FramePlan("first", "dimmed", ramp, ramp))
        elif has_last:
            ramp = _smooth((i - (last - min(INTRO_FRAMES, last))) / min(INTRO_FRAMES, last))
            plans.append(FramePlan("dimmed", "last", ramp, 1.0 - ramp))
        else:
            plans.append(FramePlan("background", "background", 0.0, 1.0))
    return plans


@dataclass(frozen=True)
class BallMotion:
    """A ball crossing the lane back and forth while bouncing on its floor."""

    sweep_seconds: float
    bounce_seconds: float
    phase: float

    @classmethod
    def from_seed(cls, seed: int, sample_index: int) -> BallMotion:
        rng = scene.seeded_random(seed, sample_index, "motion")
        return cls(rng.uniform(2.4, 3.6), rng.uniform(0.45, 0.75), rng.random())

    def position(self, layout: Layout, diameter: int, seconds: float) -> tuple[int, int]:
        pad = layout.px(14)
        x0, x1 = layout.lane[0] + pad, layout.lane[2] - pad - diameter
        floor = layout.lane[3] - layout.px(12) - diameter
        apex = layout.lane[1] + pad
        sweep = (seconds / self.sweep_seconds + self.phase) % 1.0
        across = 1.0 - abs(2.0 * sweep - 1.0)  # triangle wave 0..1..0
        height = abs(math.sin(math.pi * seconds / self.bounce_seconds))
        x = x0 + across * (x1 - x0)
        y = floor - height * (floor - apex)
        return (round(x / 2.0) * 2, round(y / 2.0) * 2)


class FrameComposer:
    """Builds frame `i` of one sample into a caller-owned YUV 4:2:0 buffer."""

    def __init__(self, request: SampleRequest) -> None:
        spec = request.spec
        self.width, self.height = request.width, request.height
        self.frame_count = spec.frame_count
        images = request.images
        self.layout = compute_layout(self.width, self.height, len(images.references))
        palette = scene.Palette.from_seed(spec.seed, request.sample_index)
        self.accent = palette.accent
        self.plans = plan_frames(
            self.frame_count, images.first_frame is not None, images.last_frame is not None
        )
        backdrop = scene.background(self.width, self.height, palette)
        bases = {"background": backdrop}
        for name, image in (("first", images.first_frame), ("last", images.last_frame)):
            if image is not None:
                bases[name] = fit_image(image, self.width, self.height, spec.resize_mode)
        anchor = bases.get("first", bases.get("last"))
        if anchor is not None:
            bases["dimmed"] = scene.dimmed(anchor, backdrop)
        self._raw = {name: image_to_frame(image) for name, image in bases.items()}
        self._covered: dict[str, U8] = {}
        self._fades: dict[tuple[str, str, bool], Crossfade] = {}
        self.overlay = self._overlay_sprite(scene.overlay(request, self.layout, palette))
        self.diameter = self.layout.px(64)
        self.ball = Sprite.from_rgba(scene.ball_image(self.diameter, palette), 0, 0)
        self.motion = BallMotion.from_seed(spec.seed, request.sample_index)

    def _overlay_sprite(self, image: Image.Image) -> Sprite:
        bbox = image.getchannel("A").getbbox() or (0, 0, 2, 2)
        x0, y0 = bbox[0] - bbox[0] % 2, bbox[1] - bbox[1] % 2
        x1, y1 = bbox[2] + bbox[2] % 2, bbox[3] + bbox[3] % 2
        return Sprite.from_rgba(image.crop((x0, y0, x1, y1)), x0, y0)

    def _backdrop(self, name: str, covered: bool) -> U8:
        if not covered:
            return self._raw[name]
        if name not in self._covered:
            frame = self._raw[name].copy()
            draw_sprite(frame, self.width, self.height, self.overlay)
            self._covered[name] = frame
        return self._covered[name]

    def render(self, index: int, out: U8) -> None:
        plan = self.plans[index]
        covered = plan.opacity >= 1.0
        if plan.a == plan.b or plan.mix <= 0.0:
            out[...] = self._backdrop(plan.a, covered)
        elif plan.mix >= 1.0:
            out[...] = self._backdrop(plan.b, covered)
        else:
            key = (plan.a, plan.b, covered)
            if key not in self._fades:
                a, b = self._backdrop(plan.a, covered), self._backdrop(plan.b, covered)
                self._fades[key] = Crossfade(a, b)
            self._fades[key].at(plan.mix, out)
        if not covered:
            draw_sprite(out, self.width, self.height, self.overlay, plan.opacity)
        self._draw_moving(index, out, plan.opacity)

    def _draw_moving(self, index: int, out: U8, opacity: float) -> None:
        if opacity <= 0.0:
            return
        w, h, layout = self.width, self.height, self.layout
        x, y = self.motion.position(layout, self.diameter, index / FPS)
        draw_sprite(out, w, h, dataclasses.replace(self.ball, x=x, y=y), opacity)
        bar = layout.bar
        done = index / max(self.frame_count - 1, 1)
        right = bar[0] + round(done * (bar[2] - bar[0]) / 2.0) * 2
        fill_rect(out, w, h, (bar[0], bar[1], right, bar[3]), self.accent, opacity)
        mask = scene.clock_mask(layout, index, self.frame_count, FPS)
        clock = Sprite.from_mask(mask, scene.WHITE, layout.clock[0], layout.clock[1])
        draw_sprite(out, w, h, clock, opacity)
