"""A job's stored input images, decoded for the provider."""

from __future__ import annotations

import asyncio

from PIL import Image

from veogate.jobs.model import ImageInput, JobSpec
from veogate.media.images import decode_image
from veogate.providers.base import ResolvedImages
from veogate.wiring import Services


async def _decode(image: ImageInput, svc: Services) -> Image.Image:
    if image.stored_key is None:
        raise RuntimeError(f"{image.field} was not stored before rendering")
    data = await svc.store.get_bytes(image.stored_key)
    return await asyncio.to_thread(
        decode_image, data, field=image.field, max_pixels=svc.settings.image_max_pixels
    )


async def decoded_images(spec: JobSpec, svc: Services) -> ResolvedImages:
    first = await _decode(spec.first_frame, svc) if spec.first_frame else None
    last = await _decode(spec.last_frame, svc) if spec.last_frame else None
    references = tuple([await _decode(image, svc) for image in spec.reference_images])
    return ResolvedImages(first_frame=first, last_frame=last, references=references)
