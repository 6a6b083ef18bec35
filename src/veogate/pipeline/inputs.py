"""Turn a job's image references into decoded images for the provider."""

from __future__ import annotations

import asyncio

from PIL import Image

from veogate.jobs.model import ImageInput, JobSpec
from veogate.media.images import decode_image
from veogate.media.resolve import load_image_bytes
from veogate.providers.base import ResolvedImages
from veogate.wiring import Services


async def _load(image: ImageInput, svc: Services) -> Image.Image:
    settings = svc.settings
    data = await load_image_bytes(image, svc.fetcher, max_bytes=settings.image_max_bytes)
    return await asyncio.to_thread(
        decode_image, data, field=image.field, max_pixels=settings.image_max_pixels
    )


async def resolve_images(spec: JobSpec, svc: Services) -> ResolvedImages:
    first = await _load(spec.first_frame, svc) if spec.first_frame else None
    last = await _load(spec.last_frame, svc) if spec.last_frame else None
    references = tuple([await _load(image, svc) for image in spec.reference_images])
    return ResolvedImages(first_frame=first, last_frame=last, references=references)
