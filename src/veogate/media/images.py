"""Checking, decoding and fitting of still images used as frames or references.

Everything here works on bytes a stranger sent us, so every failure becomes an
`InputError` naming the request field, and nothing is trusted before it is checked:
the format comes from the magic bytes, the pixel count and the memory a decode would
need from the header, before any pixel is decoded.

What an image costs is bounded in two steps:

- `inspect_image` reads only the header (and, for PNG, checks the chunk checksums). A
  create request calls nothing else, so a small file declaring a huge canvas costs the
  request a few kilobytes.
- `decode_image` is called where the pixels are used, with the size they will be drawn
  at: JPEG is decoded at the smallest DCT scale that still covers it (`draft`), and every
  format is flattened to RGB and shrunk (`reduce`) strip by strip, so the decoder's own
  buffer is the only full-size one. `veogate.media.decoder` runs decodes one at a time
  per process, so that buffer exists at most once.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image, ImageOps

from veogate.errors import InputError

ImageFormat = Literal["PNG", "JPEG", "WEBP"]
FitMode = Literal["pad", "crop"]

# Magic bytes → Pillow format name. Nothing else is ever handed to a decoder.
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"

DATA_URI_MIME_TYPES = ("image/png", "image/jpeg", "image/webp")
"""The media types a `data:` URI may declare (the bytes are still checked)."""

FLATTEN_BACKGROUND = (0, 0, 0)
"""Transparent pixels are composited onto black, the colour `fit_image` pads with."""

BYTES_PER_PIXEL_BUDGET = 4
"""One decode may use the memory of an image at the pixel cap stored 4 bytes per pixel
(how Pillow keeps RGB, RGBA and LA): `decode_budget(max_pixels)`."""

_FULL_SIZE_COPIES: dict[ImageFormat, int] = {"PNG": 1, "JPEG": 1, "WEBP": 4}
"""Full-size buffers a decode holds at once. Pillow decodes PNG and JPEG straight into
the image; libwebp's animation decoder keeps two canvases, then hands over a copy that
Pillow copies again."""

_STRIP_PIXELS = 1 << 18
"""Pixels converted at a time when flattening and shrinking a decoded image."""

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
"""EXIF orientation → the transposition that makes the image upright."""
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class Fit:
    """Where a decoded image will be drawn: into a `width`×`height` box, by
    `fit_image(image, width, height, mode)`."""

    width: int
    height: int
    mode: FitMode = "pad"


def decode_budget(max_pixels: int) -> int:
    """The most memory (bytes) one decode may need."""
    return BYTES_PER_PIXEL_BUDGET * max_pixels


@dataclass(frozen=True)
class ImageHeader:
    """What an image's header says, before any pixel is decoded."""

    format: ImageFormat
    width: int
    height: int
    mode: str

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def decode_bytes(self) -> int:
        """Memory a full-size decode needs (Pillow keeps 1, 2 or 4 bytes per pixel)."""
        per_pixel = 1 if self.mode in ("1", "L", "P") else 2 if self.mode.startswith("I;16") else 4
        return self.pixels * per_pixel * _FULL_SIZE_COPIES[self.format]


def sniff_format(data: bytes) -> ImageFormat | None:
    """The accepted format `data` starts with, or None."""
    if data.startswith(_PNG_MAGIC):
        return "PNG"
    if data.startswith(_JPEG_MAGIC):
        return "JPEG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _describe(data: bytes) -> str:
    """A short human guess at what unaccepted bytes are, for the error message."""
    if not data:
        return "it is empty"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "it is a GIF"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<svg") or b"<svg" in head:
        return "it is an SVG"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "it looks like HTML"
    if head.startswith(b"<"):
        return "it looks like XML or HTML"
    return "its content is not a recognised image"


@contextlib.contextmanager
def _opened(data: bytes, field: str, max_pixels: int) -> Iterator[tuple[Image.Image, ImageHeader]]:
    """The lazily opened image and its header, refused unless its size and decode cost fit.

    Pillow's decompression-bomb warning is an error here (locally, without touching
    `Image.MAX_IMAGE_PIXELS`). `warnings.catch_warnings` changes process-wide state, so
    concurrent calls from several threads may briefly see each other's filters; the
    `max_pixels` check, which does not depend on warnings, runs first whenever
    `max_pixels` is below Pillow's own limit. Decoding errors raised inside the block
    become `InputError`s naming `field`.
    """
    fmt = sniff_format(data)
    if fmt is None:
        raise InputError(f"{field}: not a PNG, JPEG or WebP image ({_describe(data)})", param=field)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[fmt])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels(field, str(exc)) from None
        except Exception as exc:
            raise InputError(
                f"{field}: the {fmt} image could not be read ({exc})", param=field
            ) from None
        with image:
            header = ImageHeader(fmt, image.width, image.height, image.mode)
            _check_cost(header, field, max_pixels)
            try:
                yield image, header
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                raise _too_many_pixels(field, str(exc)) from None
            except InputError:
                raise
            except Exception as exc:
                raise InputError(
                    f"{field}: the {fmt} image could not be decoded ({exc})", param=field
                ) from None


def _check_cost(header: ImageHeader, field: str, max_pixels: int) -> None:
    if header.pixels > max_pixels:
        raise _too_many_pixels(
            field,
            f"{header.width}×{header.height} = {header.pixels} pixels, the limit is {max_pixels}",
        )
    budget = decode_budget(max_pixels)
    if header.decode_bytes > budget:
        most = budget // (BYTES_PER_PIXEL_BUDGET * _FULL_SIZE_COPIES[header.format])
        raise InputError(
            f"{field}: decoding this {header.width}×{header.height} {header.format} image "
            f"would need {header.decode_bytes // 2**20} MiB, the limit is {budget // 2**20} MiB "
            f"({header.format} images may have at most {most} pixels; PNG and JPEG may have "
            f"{max_pixels})",
            param=field,
        )


def _too_many_pixels(field: str, detail: str) -> InputError:
    return InputError(f"{field}: the image has too many pixels ({detail})", param=field)


def inspect_image(data: bytes, *, field: str, max_pixels: int) -> ImageHeader:
    """Check that `data` is a PNG, JPEG or WebP whose size and decode cost are allowed,
    from its header alone: no pixel is decoded, whatever size the header declares.

    A PNG's chunk checksums are verified too (a cut-off upload is refused here); damage
    inside the compressed pixel data is only found by `decode_image`.
    """
    with _opened(data, field, max_pixels) as (image, header):
        if header.format == "PNG":
            image.verify()
        return header


def decode_image(
    data: bytes, *, field: str, max_pixels: int, fit: Fit | None = None
) -> Image.Image:
    """Decode PNG, JPEG or WebP `data` into a fully loaded RGB image.

    Checked as `inspect_image` does before any pixel is decoded. EXIF orientation is
    applied; transparency is flattened onto `FLATTEN_BACKGROUND`. With `fit`, the image
    comes back shrunk by a whole factor, never below what fitting it needs (in `crop`
    mode, also cut to the part that will show), so a huge image costs one full-size
    decoding buffer and a frame-sized result.
    """
    with _opened(data, field, max_pixels) as (image, header):
        if fit is not None and header.format == "JPEG":
            factor = _shrink_plan(image.size, _stored_box(fit, _orientation(image)), fit.mode)[1]
            if factor > 1:  # the decoder scales by 1/2, 1/4 or 1/8, never below this size
                image.draft(
                    None, (math.ceil(image.width / factor), math.ceil(image.height / factor))
                )
        image.load()
        orientation = _orientation(image)
        region, factor = (0, 0, *image.size), 1
        if fit is not None:
            region, factor = _shrink_plan(image.size, _stored_box(fit, orientation), fit.mode)
        rgb = _flattened(image, region, factor)
    transpose = _TRANSPOSE.get(orientation)
    return rgb if transpose is None else rgb.transpose(transpose)


def _orientation(image: Image.Image) -> int:
    value = image.getexif().get(_EXIF_ORIENTATION, 1)
    return value if isinstance(value, int) else 1


def _stored_box(fit: Fit, orientation: int) -> tuple[int, int]:
    """`fit`'s box in the image's stored orientation (EXIF 5..8 swap width and height)."""
    return (fit.height, fit.width) if orientation in (5, 6, 7, 8) else (fit.width, fit.height)


def _shrink_plan(
    size: tuple[int, int], box: tuple[int, int], mode: FitMode
) -> tuple[tuple[int, int, int, int], int]:
    """The region of an image of `size` that fitting into `box` shows, and the largest
    whole factor it can shrink by while still covering its fitted size.

    `pad` shows everything; `crop` shows the centred part with the box's aspect ratio
    (rounded out to whole pixels: what `ImageOps.fit` crops, give or take a pixel).
    """
    width, height = size
    box_w, box_h = max(1, box[0]), max(1, box[1])
    region = (0, 0, width, height)
    if mode == "crop":
        wanted = box_w / box_h
        if width > wanted * height:
            left = (width - wanted * height) / 2
            region = (math.floor(left), 0, math.ceil(width - left), height)
        else:
            top = (height - width / wanted) / 2
            region = (0, math.floor(top), width, math.ceil(height - top))
    ratios = ((region[2] - region[0]) / box_w, (region[3] - region[1]) / box_h)
    return region, max(1, math.floor(max(ratios) if mode == "pad" else min(ratios)))


def _flattened(image: Image.Image, region: tuple[int, int, int, int], factor: int) -> Image.Image:
    """`region` of `image` as RGB, shrunk `factor` times, converted a strip at a time so
    that no second full-size copy exists next to the decoded image."""
    left, top, right, bottom = region
    width, height = right - left, bottom - top
    out = Image.new("RGB", (math.ceil(width / factor), math.ceil(height / factor)))
    rows = factor * max(1, _STRIP_PIXELS // (width * factor))
    for y in range(top, bottom, rows):
        strip = _to_rgb(image.crop((left, y, right, min(bottom, y + rows))))
        out.paste(strip.reduce(factor) if factor > 1 else strip, (0, (y - top) // factor))
    return out


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any decoded mode → RGB, compositing transparency onto `FLATTEN_BACKGROUND`."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        # 16-bit greyscale (PNG): scale 0..65535 down to 0..255 instead of clipping.
        values = np.asarray(image, dtype=np.float64) / 257.0
        grey = np.clip(np.rint(values), 0, 255).astype(np.uint8)
        return Image.fromarray(grey, mode="L").convert("RGB")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or ("transparency" in image.info)
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (*FLATTEN_BACKGROUND, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def parse_data_uri(uri: str, *, field: str, max_bytes: int) -> bytes:
    """The bytes of a `data:image/(png|jpeg|webp);base64,...` URI.

    The base64 is decoded strictly (no whitespace, no URL-safe alphabet), and the size
    cap is checked from the encoded length before anything is decoded. The declared
    media type is not trusted: `inspect_image` checks the bytes.
    """
    if uri[:5].lower() != "data:":
        raise InputError(f"{field}: not a data: URI", param=field)
    header, comma, payload = uri[5:].partition(",")
    if not comma:
        raise InputError(f"{field}: malformed data: URI (no ',' before the data)", param=field)
    parts = [part.strip() for part in header.split(";")]
    mime = parts[0].lower()
    if mime not in DATA_URI_MIME_TYPES:
        shown = mime[:40] or "none"
        raise InputError(
            f"{field}: data: URI media type {shown!r} is not allowed; "
            f"use one of {', '.join(DATA_URI_MIME_TYPES)}",
            param=field,
        )
    if len(parts) < 2 or parts[-1].lower() != "base64":
        raise InputError(f"{field}: data: URI must be base64-encoded (';base64,')", param=field)
    max_encoded = 4 * math.ceil(max_bytes / 3)
    if len(payload) > max_encoded:
        raise InputError(
            f"{field}: data: URI image is larger than the limit of {max_bytes} bytes", param=field
        )
    try:
        data = base64.b64decode(payload.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise InputError(f"{field}: data: URI has invalid base64 ({exc})", param=field) from None
    if not data:
        raise InputError(f"{field}: data: URI is empty", param=field)
    if len(data) > max_bytes:
        raise InputError(
            f"{field}: data: URI image is larger than the limit of {max_bytes} bytes", param=field
        )
    return data


def fit_image(image: Image.Image, width: int, height: int, mode: FitMode) -> Image.Image:
    """Fit `image` into a `width`×`height` RGB frame.

    `pad` letterboxes (the whole image is visible, black bars fill the rest);
    `crop` fills the frame and centre-crops the overflow.
    """
    rgb = image.convert("RGB")
    if mode == "pad":
        return ImageOps.pad(rgb, (width, height), method=Image.Resampling.LANCZOS, color=(0, 0, 0))
    return ImageOps.fit(rgb, (width, height), method=Image.Resampling.LANCZOS)
