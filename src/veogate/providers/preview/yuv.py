"""Planar YUV 4:2:0 (BT.709, limited range) buffers and the few compositing operations
the preview renderer needs.

A frame is one contiguous `uint8` array shaped `(height * 3 // 2, width)`, the layout
PyAV's `VideoFrame.from_ndarray(..., format="yuv420p")` expects. Compositing happens
directly in YUV: conversion is affine, so blending in YUV equals blending in RGB, and it
spares a colour conversion per frame. Everything placed on a frame sits on even
coordinates with even sizes so that the half-resolution chroma planes line up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]

# BT.709 RGB -> Y'CbCr, limited ("MPEG") range, for 0..255 inputs.
_KR, _KB = 0.2126, 0.0722
_KG = 1.0 - _KR - _KB
_RGB_TO_YUV = np.array(
    [
        [_KR, _KG, _KB],
        [-_KR / (2 * (1 - _KB)), -_KG / (2 * (1 - _KB)), 0.5],
        [0.5, -_KG / (2 * (1 - _KR)), -_KB / (2 * (1 - _KR))],
    ],
    dtype=np.float32,
) * np.array([[219.0 / 255.0], [224.0 / 255.0], [224.0 / 255.0]], dtype=np.float32)
_YUV_OFFSET = np.array([16.0, 128.0, 128.0], dtype=np.float32)


def new_frame(width: int, height: int) -> U8:
    return np.empty((height * 3 // 2, width), dtype=np.uint8)


def planes(frame: npt.NDArray[Any], width: int, height: int) -> tuple[Any, Any, Any]:
    """Views of the Y, U and V planes of a 4:2:0 frame buffer (any dtype)."""
    flat = frame.reshape(-1)
    cw, ch = width // 2, height // 2
    y = flat[: width * height].reshape(height, width)
    u = flat[width * height : width * height + cw * ch].reshape(ch, cw)
    v = flat[width * height + cw * ch :].reshape(ch, cw)
    return y, u, v


def _to_yuv(red: F32, green: F32, blue: F32) -> F32:
    """Float RGB planes (0..255) -> `(3, ...)` Y, Cb, Cr planes.

    Element-wise products and sums only (no BLAS matmul, whose kernels and rounding
    vary by CPU), so the result is bit-identical on every machine.
    """
    out = np.empty((3, *red.shape), dtype=np.float32)
    for row in range(3):
        kr, kg, kb = (np.float32(k) for k in _RGB_TO_YUV[row])
        plane = out[row]
        np.multiply(red, kr, out=plane)
        plane += green * kg
        plane += blue * kb
        plane += _YUV_OFFSET[row]
    return out


def _bands(image: Image.Image, mode: str) -> list[F32]:
    """The channels of `image` (converted to `mode`) as contiguous float planes."""
    return [np.asarray(band, dtype=np.float32) for band in image.convert(mode).split()]


def colour_yuv(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    red, green, blue = (np.full(1, c, dtype=np.float32) for c in rgb)
    y, u, v = _to_yuv(red, green, blue)[:, 0].tolist()
    return (y, u, v)


def _pool2(a: F32) -> F32:
    """2×2 mean over the last two axes (both even)."""
    total = a[..., 0::2, 0::2] + a[..., 1::2, 0::2]
    total += a[..., 0::2, 1::2]
    total += a[..., 1::2, 1::2]
    total *= np.float32(0.25)
    return total


def image_to_frame(image: Image.Image) -> U8:
    """An RGB image with even sides -> a 4:2:0 frame buffer."""
    width, height = image.size
    yuv = _to_yuv(*_bands(image, "RGB"))
    frame = new_frame(width, height)
    y, u, v = planes(frame, width, height)
    np.copyto(y, yuv[0] + 0.5, casting="unsafe")
    chroma = _pool2(yuv[1:])
    np.copyto(u, chroma[0] + 0.5, casting="unsafe")
    np.copyto(v, chroma[1] + 0.5, casting="unsafe")
    return frame


@dataclass(frozen=True)
class Sprite:
    """A premultiplied-alpha YUV patch placed at even `(x, y)` on a frame."""

    x: int
    y: int
    luma: F32  # premultiplied Y, (h, w)
    alpha: F32  # 0..1, (h, w)
    chroma: F32  # premultiplied (Cb, Cr), (2, h/2, w/2)
    chroma_alpha: F32  # 0..1, (h/2, w/2)

    @classmethod
    def from_rgba(cls, image: Image.Image, x: int, y: int) -> Sprite:
        red, green, blue, alpha = _bands(_even(image.convert("RGBA")), "RGBA")
        alpha *= np.float32(1.0 / 255.0)
        yuv = _to_yuv(red, green, blue)
        yuv *= alpha
        return cls(
            x=x, y=y, luma=yuv[0], alpha=alpha, chroma=_pool2(yuv[1:]), chroma_alpha=_pool2(alpha)
        )

    @classmethod
    def from_mask(cls, mask: Image.Image, colour: tuple[int, int, int], x: int, y: int) -> Sprite:
        """A solid `colour` shaped by an `L` coverage mask (e.g. rendered text)."""
        alpha = np.asarray(_even(mask.convert("L")), dtype=np.float32) / 255.0
        cy, cu, cv = colour_yuv(colour)
        chroma_alpha = _pool2(alpha)
        chroma = np.stack([chroma_alpha * cu, chroma_alpha * cv])
        return cls(x, y, alpha * cy, alpha, chroma, chroma_alpha)


def _even(image: Image.Image) -> Image.Image:
    w, h = image.size
    if w % 2 == 0 and h % 2 == 0:
        return image
    padded = Image.new(image.mode, (w + w % 2, h + h % 2))
    padded.paste(image, (0, 0))
    return padded


def _blend_region(dst: U8, premult: F32, alpha: F32, opacity: float) -> None:
    out = dst.astype(np.float32)
    out *= 1.0 - alpha * opacity
    out += premult * opacity if opacity != 1.0 else premult
    out += 0.5
    np.copyto(dst, out, casting="unsafe")


def draw_sprite(frame: U8, width: int, height: int, sprite: Sprite, opacity: float = 1.0) -> None:
    """Composite `sprite` over `frame` in place (clipped to the frame)."""
    if opacity <= 0.0:
        return
    y_plane, u_plane, v_plane = planes(frame, width, height)
    h, w = sprite.alpha.shape
    x0, y0 = max(sprite.x, 0), max(sprite.y, 0)
    x1, y1 = min(sprite.x + w, width), min(sprite.y + h, height)
    if x1 <= x0 or y1 <= y0:
        return
    sx, sy = x0 - sprite.x, y0 - sprite.y
    region = (slice(sy, sy + y1 - y0), slice(sx, sx + x1 - x0))
    _blend_region(y_plane[y0:y1, x0:x1], sprite.luma[region], sprite.alpha[region], opacity)
    cregion = (slice(sy // 2, (sy + y1 - y0) // 2), slice(sx // 2, (sx + x1 - x0) // 2))
    calpha = sprite.chroma_alpha[cregion]
    cy0, cy1, cx0, cx1 = y0 // 2, y1 // 2, x0 // 2, x1 // 2
    for i, plane in enumerate((u_plane, v_plane)):
        _blend_region(plane[cy0:cy1, cx0:cx1], sprite.chroma[i][cregion], calpha, opacity)


def fill_rect(
    frame: U8,
    width: int,
    height: int,
    box: tuple[int, int, int, int],
    colour: tuple[int, int, int],
    opacity: float = 1.0,
) -> None:
    """Fill the even-aligned `box` (x0, y0, x1, y1) with a solid colour."""
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0 or opacity <= 0.0:
        return
    values = colour_yuv(colour)
    y_plane, u_plane, v_plane = planes(frame, width, height)
    targets = (
        (y_plane[y0:y1, x0:x1], values[0]),
        (u_plane[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2], values[1]),
        (v_plane[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2], values[2]),
    )
    for region, value in targets:
        if opacity >= 1.0:
            region[...] = round(value)
        else:
            blended = region.astype(np.float32) * (1.0 - opacity) + (value * opacity + 0.5)
            np.copyto(region, blended, casting="unsafe")


class Crossfade:
    """`a + (b - a) * t` for two fixed frames, with the difference computed once."""

    def __init__(self, a: U8, b: U8) -> None:
        self._a = a.astype(np.float32)
        self._a += 0.5  # rounding offset folded in once
        self._delta = b.astype(np.float32) - a.astype(np.float32)
        self._scratch = np.empty_like(self._a)

    def at(self, t: float, out: U8) -> None:
        np.multiply(self._delta, np.float32(t), out=self._scratch)
        self._scratch += self._a
        np.copyto(out, self._scratch, casting="unsafe")
