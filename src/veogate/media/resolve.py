"""Turning an `ImageInput` (URL or data: URI, as the client sent it) into image bytes."""

from __future__ import annotations

from veogate.errors import InputError
from veogate.jobs.model import ImageInput
from veogate.media.fetch import ImageFetcher
from veogate.media.images import parse_data_uri


async def load_image_bytes(image: ImageInput, fetcher: ImageFetcher, *, max_bytes: int) -> bytes:
    """The raw bytes behind `image`: decoded from a data: URI, or fetched over http(s).

    The bytes are not yet checked to be an image; `decode_image` does that.
    """
    source = image.source
    scheme = source.split(":", 1)[0].lower() if ":" in source else ""
    if scheme == "data":
        return parse_data_uri(source, field=image.field, max_bytes=max_bytes)
    if scheme in ("http", "https"):
        return await fetcher.fetch(source, field=image.field, max_bytes=max_bytes)
    raise InputError(
        f"{image.field}: must be an http(s) URL or a data:image/...;base64 URI", param=image.field
    )
