"""Google's image objects (`{bytesBase64Encoded, mimeType}` or `{gcsUri}` / `{uri}`) read
into the `ImageInput`s every dialect hands the validator.

Inline bytes become a data: URI, which the create boundary checks and stores like any
other inline image; a URI is taken only when veogate can fetch it (http or https), since
veogate has no access to the caller's Cloud Storage.
"""

from __future__ import annotations

from typing import Any

from veogate.dialects.wire import WireReader, describe, image_input
from veogate.errors import InvalidRequest
from veogate.jobs.model import ImageInput

MIME_TYPES = ("image/png", "image/jpeg", "image/webp")
_FIELDS = ("bytesBase64Encoded", "mimeType", "gcsUri", "uri")


class ImageReader:
    """Reads the image objects a JSON object (`instances[0]`, a reference) holds."""

    def __init__(self, container: dict[str, Any], prefix: str) -> None:
        self.container = container
        self.prefix = prefix

    def read(self, name: str, *, required: bool = False) -> ImageInput | None:
        field = f"{self.prefix}.{name}"
        value = self.container.get(name)
        if value is None:
            if required:
                raise InvalidRequest(f"{field} is required", code="missing_parameter", param=field)
            return None
        if not isinstance(value, dict):
            raise InvalidRequest(
                f"{field} must be an object like {{bytesBase64Encoded, mimeType}}, "
                f"got {describe(value)}",
                param=field,
            )
        for key in value:
            if key not in _FIELDS:
                raise InvalidRequest(
                    f"{field}.{key} is not an image field (accepted: {', '.join(_FIELDS)})",
                    param=f"{field}.{key}",
                )
        wire = WireReader({f"{field}.{key}": item for key, item in value.items()})
        sources = [key for key in ("bytesBase64Encoded", "gcsUri", "uri") if key in value]
        if len(sources) != 1:
            raise InvalidRequest(
                f"{field} must hold exactly one of bytesBase64Encoded, gcsUri or uri "
                f"(got {', '.join(sources) or 'none'})",
                code="conflicting_parameters" if sources else "missing_parameter",
                param=field,
            )
        if sources[0] == "bytesBase64Encoded":
            return _inline(wire, field)
        return _linked(wire, field, sources[0])


def _inline(wire: WireReader, field: str) -> ImageInput:
    data = wire.string(f"{field}.bytesBase64Encoded") or ""
    mime = (wire.string(f"{field}.mimeType") or "image/png").strip().lower()
    if mime not in MIME_TYPES:
        raise InvalidRequest(
            f"{field}.mimeType must be one of {', '.join(MIME_TYPES)} (got {mime!r})",
            code="invalid_image",
            param=f"{field}.mimeType",
        )
    if not data.strip():
        raise InvalidRequest(
            f"{field}.bytesBase64Encoded is empty", code="invalid_image", param=field
        )
    # The bytes decide the format; the declared type only has to be an image type.
    return image_input(f"data:{mime};base64,{data.strip()}", field)


def _linked(wire: WireReader, field: str, key: str) -> ImageInput:
    uri = (wire.string(f"{field}.{key}") or "").strip()
    if not uri.lower().startswith(("http://", "https://")):
        raise InvalidRequest(
            f"{field}.{key} must be an http(s) URL (got {uri[:40]!r}): veogate cannot read "
            "Cloud Storage (gs://) objects; send the image as bytesBase64Encoded",
            code="invalid_image",
            param=f"{field}.{key}",
        )
    return image_input(uri, field)
