"""Job inputs kept content-addressed in storage: `inputs/<sha256>.<ext>`.

Inline (data: URI) images are checked and stored when the request arrives, so a bad one
is a 400 before anything is queued, and the job row carries a short reference instead
of megabytes of base64. URL images are fetched once, by the job's first step.

"Checked" means from the header only (format, size, the memory a decode would need):
no pixel is decoded here, so a small file declaring a huge canvas costs a request next
to nothing. The pipeline decodes when it renders (`veogate.media.images`).
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from veogate.errors import InputError, InvalidRequest
from veogate.jobs.model import ImageInput, JobSpec
from veogate.jobs.uploads import resolve_upload
from veogate.media.images import ImageFormat, inspect_image
from veogate.media.resolve import load_image_bytes
from veogate.storage.base import ObjectStore
from veogate.wiring import Services

_EXTENSIONS: dict[ImageFormat, tuple[str, str]] = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
}


@dataclass(frozen=True)
class StoredImage:
    key: str
    sha256: str
    mime_type: str
    size_bytes: int
    width: int
    height: int


async def store_image(data: bytes, image: ImageInput, svc: Services) -> StoredImage:
    """Check `data`'s header (format, size, decode cost), then keep it under its content hash."""
    header = await asyncio.to_thread(
        inspect_image, data, field=image.field, max_pixels=svc.settings.image_max_pixels
    )
    ext, mime = _EXTENSIONS[header.format]
    digest = hashlib.sha256(data).hexdigest()
    key = f"inputs/{digest}.{ext}"
    if not await svc.store.exists(key):
        await _put_bytes(svc.store, key, data, mime)
    return StoredImage(key, digest, mime, len(data), header.width, header.height)


async def _put_bytes(store: ObjectStore, key: str, data: bytes, mime: str) -> None:
    with tempfile.NamedTemporaryFile(suffix=".img") as handle:
        handle.write(data)
        handle.flush()
        await store.put_file(key, Path(handle.name), mime)


async def intake_inline_images(spec: JobSpec, svc: Services) -> JobSpec:
    """Store every data: URI image now, and resolve URLs of images uploaded to veogate to
    their stored objects (never fetched); return the spec with short references to them."""
    replaced: dict[str, ImageInput] = {}
    for image in spec.images():
        if image.stored_key is not None:
            continue
        if (upload := await resolve_upload(image, svc)) is not None:
            replaced[image.field] = upload
            continue
        if not image.source.lower().startswith("data:"):
            continue
        try:
            data = await load_image_bytes(
                image, svc.fetcher, max_bytes=svc.settings.image_max_bytes
            )
            stored = await store_image(data, image, svc)
        except InputError as exc:
            raise InvalidRequest(exc.message, code="invalid_image", param=exc.param) from None
        replaced[image.field] = ImageInput(
            source=f"data:{stored.mime_type};base64 ({stored.size_bytes} bytes, "
            f"sha256 {stored.sha256})",
            field=image.field,
            stored_key=stored.key,
        )
    if not replaced:
        return spec
    return with_images(spec, replaced)


def with_images(spec: JobSpec, replaced: dict[str, ImageInput]) -> JobSpec:
    """`spec` with the images whose `field` is in `replaced` swapped for those."""

    def swap(image: ImageInput | None) -> ImageInput | None:
        return None if image is None else replaced.get(image.field, image)

    return spec.model_copy(
        update={
            "first_frame": swap(spec.first_frame),
            "last_frame": swap(spec.last_frame),
            "reference_images": tuple(replaced.get(i.field, i) for i in spec.reference_images),
        }
    )


async def fetch_remote_images(spec: JobSpec, svc: Services) -> JobSpec:
    """Fetch and store every URL image not stored yet (raises `InputError` naming the field)."""
    replaced: dict[str, ImageInput] = {}
    for image in spec.images():
        if image.stored_key is not None:
            continue
        data = await load_image_bytes(image, svc.fetcher, max_bytes=svc.settings.image_max_bytes)
        stored = await store_image(data, image, svc)
        replaced[image.field] = image.model_copy(update={"stored_key": stored.key})
    return with_images(spec, replaced) if replaced else spec
