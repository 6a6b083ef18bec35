"""Where each element of a preview frame goes, for any output size.

Sizes are designed for a 720-pixel short side and scaled from there, so 720p, 1080p and
4K frames (landscape or portrait) look the same. Every box is on even coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

Box = tuple[int, int, int, int]
"""(x0, y0, x1, y1), x1/y1 exclusive."""

THUMBNAIL_ASPECT = 16 / 9


def _even(value: float) -> int:
    return round(value / 2.0) * 2


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    scale: float
    margin: int
    banner: Box
    prompt_panel: Box
    info: Box
    thumbnails: tuple[Box, ...]
    lane: Box
    clock: Box
    bar: Box

    def px(self, value: float) -> int:
        """A design size (for a 720-pixel short side) in output pixels, even."""
        return max(2, _even(value * self.scale))


def compute_layout(width: int, height: int, reference_count: int) -> Layout:
    """The layout of a `width`×`height` preview frame with `reference_count` thumbnails."""
    scale = min(width, height) / 720.0

    def px(value: float) -> int:
        return max(2, _even(value * scale))

    margin = px(28)
    inner_w = width - 2 * margin
    banner = (0, 0, width, px(56))

    bottom = height - margin
    clock_h = px(40)
    bar_row = (bottom - clock_h, bottom)
    clock = (margin, bar_row[0], margin + min(px(340), inner_w // 2), bar_row[1])
    bar = (clock[2] + px(16), bar_row[0] + px(14), width - margin, bar_row[1] - px(14))
    lane = (margin, bar_row[0] - px(12) - px(104), width - margin, bar_row[0] - px(12))

    cursor = lane[1] - px(14)
    thumbnails: tuple[Box, ...] = ()
    if reference_count > 0:
        thumbnails = _thumbnail_row(margin, inner_w, cursor, px(120), px(16), reference_count)
        cursor = thumbnails[0][1] - px(16)

    info_h = px(4 * 30 + 8)
    info = (margin, cursor - info_h, width - margin, cursor)
    prompt_panel = (margin, banner[3] + px(20), width - margin, info[1] - px(12))
    return Layout(
        width=width,
        height=height,
        scale=scale,
        margin=margin,
        banner=banner,
        prompt_panel=prompt_panel,
        info=info,
        thumbnails=thumbnails,
        lane=lane,
        clock=clock,
        bar=bar,
    )


def _thumbnail_row(
    x0: int, available_w: int, bottom: int, box_h: int, gap: int, count: int
) -> tuple[Box, ...]:
    box_w = _even(box_h * THUMBNAIL_ASPECT)
    if count * box_w + (count - 1) * gap > available_w:
        box_w = _even((available_w - (count - 1) * gap) / count) - 2
        box_h = _even(box_w / THUMBNAIL_ASPECT)
    top = bottom - box_h
    return tuple(
        (x0 + i * (box_w + gap), top, x0 + i * (box_w + gap) + box_w, bottom) for i in range(count)
    )
