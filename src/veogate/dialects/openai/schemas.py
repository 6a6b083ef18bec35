"""The OpenAI Videos create request (`POST /v1/videos`), read into a dialect-neutral draft.

Form bodies (what the official SDK sends) arrive here already shaped like the JSON body
(`dialects/openai/form.py`), so one reader serves both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from veogate.catalog import Catalog, SpecDraft
from veogate.dialects.wire import WireReader, describe, image_input
from veogate.errors import InvalidRequest
from veogate.ids import IdForm
from veogate.jobs.model import AspectRatio, ImageInput, PersonGeneration, Resolution

DIALECT = "openai"
ID_FORM = IdForm("video")
"""How this dialect spells job ids (any spelling of a job's id is accepted)."""

# Canonical field -> OpenAI field, for error messages.
FIELD_NAMES = {
    "duration": "seconds",
    "resolution": "size",
    "aspect_ratio": "size",
    "first_frame": "input_reference",
    "last_frame": "last_frame",
    "reference_images": "reference_images",
    "sample_count": "n",
}
PERSON_GENERATION: dict[str, str] = {
    "allow_all": "allow_all",
    "allow_adult": "allow_adult",
    "dont_allow": "dont_allow",
}
_PERSON: dict[str, PersonGeneration] = {
    "allow_all": "allow_all",
    "allow_adult": "allow_adult",
    "dont_allow": "dont_allow",
}
_SECONDS = re.compile("[0-9]{1,4}")

Sizes = Mapping[str, tuple[Resolution, AspectRatio]]
"""`WxH` -> (resolution, aspect ratio), for every geometry the catalog offers."""


def sizes_of(catalog: Catalog) -> dict[str, tuple[Resolution, AspectRatio]]:
    return {
        f"{width}x{height}": (resolution, aspect)
        for resolution, by_aspect in catalog.geometry.items()
        for aspect, (width, height) in by_aspect.items()
    }


def read_create(body: dict[str, Any], sizes: Sizes) -> tuple[SpecDraft, dict[str, str]]:
    """Parse a create body. Returns the draft and the field names to report errors with."""
    wire = WireReader(body)
    model = wire.string("model", required=True)
    prompt = wire.string("prompt", required=True)
    assert model is not None
    assert prompt is not None
    resolution, aspect = _size(wire, sizes)
    person = wire.choice("person_generation", PERSON_GENERATION)
    audio = wire.boolean("generate_audio")
    draft = SpecDraft(
        model=model,
        prompt=prompt,
        negative_prompt=wire.string("negative_prompt"),
        duration_seconds=_seconds(body.get("seconds")),
        aspect_ratio=aspect,
        resolution=resolution,
        sample_count=wire.integer("n", rule="an integer (1 to 4)"),
        seed=wire.integer("seed", rule="an integer (0 to 4294967295)"),
        # Veo makes sound unless asked not to; so does this dialect.
        generate_audio=True if audio is None else audio,
        person_generation=None if person is None else _PERSON[person],
        resize_mode=wire.choice("resize_mode", {"pad": "pad", "crop": "crop"}),
        first_frame=image_reference(body.get("input_reference"), "input_reference"),
        last_frame=image_reference(body.get("last_frame"), "last_frame"),
        reference_images=_image_list(body.get("reference_images"), "reference_images"),
    )
    return draft, dict(FIELD_NAMES)


def _size(wire: WireReader, sizes: Sizes) -> tuple[str | None, str | None]:
    size = wire.string("size", code="invalid_size")
    if size is None:
        return None, None  # the catalog's defaults: 720p, 16:9 (1280x720)
    found = sizes.get(size.strip().lower())
    if found is None:
        raise InvalidRequest(
            f"size {size!r} is not offered (offered: {', '.join(sizes)})",
            code="invalid_size",
            param="size",
        )
    return found


def _seconds(value: Any) -> int | None:
    """`"4"`, `"6"`, `"8"` as the SDK sends it, or a JSON integer; the catalog checks which."""
    if value is None:
        return None
    if isinstance(value, str) and _SECONDS.fullmatch(value.strip()):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise InvalidRequest(
        f'seconds must be "4", "6" or "8", got {describe(value)}',
        code="invalid_seconds",
        param="seconds",
    )


def image_reference(value: Any, field: str) -> ImageInput | None:
    """`{"image_url": "<URL or data URI>"}` (a bare string is read the same way)."""
    if value is None:
        return None
    if isinstance(value, str):
        return image_input(value, field)
    if not isinstance(value, dict):
        raise InvalidRequest(
            f'{field} must be an object {{"image_url": "..."}}, got {describe(value)}', param=field
        )
    if value.get("file_id") is not None:
        raise InvalidRequest(
            f"{field}[file_id]: file ids are not supported here; upload the image as "
            f"{field} or send {field}[image_url] (a URL or a data: URI)",
            code="unsupported_parameter",
            param=f"{field}[file_id]",
        )
    url = value.get("image_url")
    if not isinstance(url, str):
        raise InvalidRequest(
            f"{field}[image_url] must be a URL or a data: URI string, got {describe(url)}",
            code="missing_parameter" if url is None else "invalid_parameter",
            param=f"{field}[image_url]",
        )
    return image_input(url, field)


def _image_list(value: Any, field: str) -> tuple[ImageInput, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidRequest(
            f'{field} must be an array of {{"image_url": "..."}} objects, got {describe(value)}',
            param=field,
        )
    images = []
    for index, item in enumerate(value):
        image = image_reference(item, f"{field}[{index}]")
        if image is None:
            raise InvalidRequest(f"{field}[{index}] must not be null", param=f"{field}[{index}]")
        images.append(image)
    return tuple(images)
