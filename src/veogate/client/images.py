"""Image inputs: a URL or `data:` URI is sent as it is; a local file or bytes are uploaded
first (`POST /v1/uploads/images`), and the signed link the server answers is sent instead."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from veogate.client.errors import BadRequest

ImageSource = Union[str, "os.PathLike[str]", bytes]
"""An `http(s)://` URL, a `data:image/...` URI, a path to a local file, or the bytes."""

_SENT_AS_IS = ("http://", "https://", "data:")


@dataclass(frozen=True)
class Upload:
    """An image to upload before the create: its name (for the server's records) and bytes."""

    filename: str
    content: bytes


def prepare(source: ImageSource, param: str) -> str | Upload:
    """The URL to send for `source`, or the upload that will give one."""
    if isinstance(source, bytes):
        return Upload(param, source)
    if isinstance(source, str) and source.lower().startswith(_SENT_AS_IS):
        return source
    path = Path(source)
    try:
        return Upload(path.name, path.read_bytes())
    except OSError as exc:
        raise BadRequest(
            f"cannot read image file {str(path)!r}: {exc.strerror or exc}",
            code="invalid_image",
            param=param,
        ) from exc
