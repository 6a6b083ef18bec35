"""Decoding and fitting of still images used as frames or references.

Everything here works on bytes a stranger sent us, so every failure becomes an
`InputError` naming the request field, and nothing is trusted before it is checked:
the format comes from the magic bytes, the pixel count from the header before any
pixel is decoded.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import warnings
from typing import Literal

import numpy as np
from PIL import Image, ImageOps

from veogate.errors import InputError

# Magic bytes → Pillow format name. Nothing else is ever handed to a decoder.
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"

DATA_URI_MIME_TYPES = ("image/png", "image/jpeg", "image/webp")
"""The media types a `data:` URI may declare (the bytes are still checked)."""

FLATTEN_BACKGROUND = (0, 0, 0)
"""Transparent pixels are composited onto black, the colour `fit_image` pads with."""


def sniff_format(data: bytes) -> Literal["PNG", "JPEG", "WEBP"] | None:
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


def decode_image(data: bytes, *, field: str, max_pixels: int) -> Image.Image:
    """Decode PNG, JPEG or WebP `data` into a fully loaded RGB image.

    The format is detected from the magic bytes only. The declared size is checked
    against `max_pixels` before any pixel is decoded, and Pillow's decompression-bomb
    warning is an error here (locally, without touching `Image.MAX_IMAGE_PIXELS`).
    EXIF orientation is applied; transparency is flattened onto `FLATTEN_BACKGROUND`.

    `warnings.catch_warnings` changes process-wide state, so concurrent calls from
    several threads may briefly see each other's filters; the `max_pixels` check,
    which does not depend on warnings, runs first whenever `max_pixels` is below
    Pillow's own limit.
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
            width, height = image.size
            if width * height > max_pixels:
                raise _too_many_pixels(
                    field, f"{width}×{height} = {width * height} pixels, the limit is {max_pixels}"
                )
            try:
                image.load()
                oriented = ImageOps.exif_transpose(image)
                return _to_rgb(oriented)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                raise _too_many_pixels(field, str(exc)) from None
            except Exception as exc:
                raise InputError(
                    f"{field}: the {fmt} image could not be decoded ({exc})", param=field
                ) from None


def _too_many_pixels(field: str, detail: str) -> InputError:
    return InputError(f"{field}: the image has too many pixels ({detail})", param=field)


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
    media type is not trusted: `decode_image` checks the bytes.
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


def fit_image(
    image: Image.Image, width: int, height: int, mode: Literal["pad", "crop"]
) -> Image.Image:
    """Fit `image` into a `width`×`height` RGB frame.

    `pad` letterboxes (the whole image is visible, black bars fill the rest);
    `crop` fills the frame and centre-crops the overflow.
    """
    rgb = image.convert("RGB")
    if mode == "pad":
        return ImageOps.pad(rgb, (width, height), method=Image.Resampling.LANCZOS, color=(0, 0, 0))
    return ImageOps.fit(rgb, (width, height), method=Image.Resampling.LANCZOS)
