"""A job's stored input images, decoded for the provider."""

from __future__ import annotations

from PIL import Image

from veogate.jobs.model import ImageInput, JobSpec
from veogate.media.decoder import decode_in_background
from veogate.media.images import Fit
from veogate.providers.base import ResolvedImages
from veogate.wiring import Services


async def _decode(image: ImageInput, svc: Services, fit: Fit) -> Image.Image:
    if image.stored_key is None:
        raise RuntimeError(f"{image.field} was not stored before rendering")
    data = await svc.store.get_bytes(image.stored_key)
    return await decode_in_background(
        data, field=image.field, max_pixels=svc.settings.image_max_pixels, fit=fit
    )


async def decoded_images(spec: JobSpec, svc: Services) -> ResolvedImages:
    """Each image decoded no larger than drawing it into the output frame needs: frames
    fitted by `resize_mode`, references letterboxed (into thumbnails smaller still)."""
    width, height = svc.catalog.frame_size(spec.resolution, spec.aspect_ratio)
    frame, thumbnail = Fit(width, height, spec.resize_mode), Fit(width, height, "pad")
    first = await _decode(spec.first_frame, svc, frame) if spec.first_frame else None
    last = await _decode(spec.last_frame, svc, frame) if spec.last_frame else None
    references = tuple([await _decode(image, svc, thumbnail) for image in spec.reference_images])
    return ResolvedImages(first_frame=first, last_frame=last, references=references)
