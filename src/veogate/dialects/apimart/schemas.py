"""The apimart create request, read off the wire into a dialect-neutral draft."""

from __future__ import annotations

import re
from typing import Any

from veogate.catalog import SpecDraft
from veogate.dialects.apimart.images import read_images
from veogate.dialects.wire import WireReader, ignored_fields
from veogate.errors import InvalidRequest
from veogate.ids import IdForm
from veogate.jobs.model import PersonGeneration

DIALECT = "apimart"
ID_FORM = IdForm("task", upper=True)
"""How this dialect spells job ids (any spelling of a job's id is accepted)."""

FIELD_NAMES = {
    "first_frame": "first_frame_image",
    "last_frame": "last_frame_image",
    "reference_images": "reference_images",
}
SAMPLE_COUNT_ALIASES = ("sample_count", "n", "number_of_videos")
PERSON_GENERATION: dict[str, str] = {"allow_adult": "allow_adult", "disallow": "dont_allow"}
_PERSON: dict[str, PersonGeneration] = {"allow_adult": "allow_adult", "dont_allow": "dont_allow"}
KNOWN_FIELDS = frozenset(
    {
        "model",
        "prompt",
        "negative_prompt",
        "duration",
        "aspect_ratio",
        "resolution",
        "size",
        "first_frame_image",
        "last_frame_image",
        "image_urls",
        "generation_type",
        "image_with_roles",
        "seed",
        *SAMPLE_COUNT_ALIASES,
        "generate_audio",
        "person_generation",
        "resize_mode",
        "enhance_prompt",
        "callback_url",
    }
)
IMAGE_FIELDS = "first_frame_image / last_frame_image, image_urls or image_with_roles"
_PIXELS = re.compile("([0-9]{1,5}) *[xX×*] *([0-9]{1,5})")
_ASPECT = re.compile("[0-9]{1,3}:[0-9]{1,3}")


def _sample_count(wire: WireReader, names: dict[str, str]) -> int | None:
    given = [(name, wire.integer(name)) for name in SAMPLE_COUNT_ALIASES if wire.present(name)]
    values = {value for _, value in given}
    if len(values) > 1:
        raise InvalidRequest(
            f"{' and '.join(name for name, _ in given)} disagree; send one sample count",
            code="conflicting_parameters",
            param=given[1][0],
        )
    if not given:
        return None
    names["sample_count"] = given[0][0]
    return given[0][1]


def _size(wire: WireReader, names: dict[str, str]) -> tuple[str | None, tuple[int, int] | None]:
    """`size`: an aspect ratio (`16:9`) or a frame size (`1280x720`) -> (aspect ratio,
    frame size). The catalog decides which frame sizes exist (`catalog/frame_size.py`)."""
    size = wire.string("size")
    if size is None:
        return None, None
    text = size.strip()
    aspect = wire.string("aspect_ratio", code="invalid_aspect_ratio")
    if (pixels := _PIXELS.fullmatch(text)) is not None:
        names["frame_size"] = "size"
        for canonical, given in (("resolution", "resolution"), ("aspect_ratio", "aspect_ratio")):
            if not wire.present(given):
                names[canonical] = "size"
        return None, (int(pixels[1]), int(pixels[2]))
    if _ASPECT.fullmatch(text) is None:
        raise InvalidRequest(
            f"size must be an aspect ratio (16:9, 9:16) or a frame size WxH such as "
            f"1280x720, got {text[:40]!r}",
            param="size",
        )
    if aspect is not None and aspect != text:
        raise InvalidRequest(
            f"size {text} and aspect_ratio {aspect} disagree; send one or make them agree",
            code="conflicting_parameters",
            param="size",
        )
    names["aspect_ratio"] = "size"
    return text, None


def read_create(body: dict[str, Any]) -> tuple[SpecDraft, dict[str, str]]:
    wire = WireReader(body)
    names = dict(FIELD_NAMES)
    model = wire.string("model", required=True)
    prompt = wire.string("prompt", required=True)
    assert model is not None
    assert prompt is not None
    duration = wire.integer("duration", code="invalid_duration", rule="an integer (4, 6 or 8)")
    person = wire.choice("person_generation", PERSON_GENERATION)
    size_aspect, frame_size = _size(wire, names)
    images = read_images(wire)
    names.update(images.names)
    draft = SpecDraft(
        model=model,
        prompt=prompt,
        negative_prompt=wire.string("negative_prompt"),
        duration_seconds=duration,
        aspect_ratio=wire.string("aspect_ratio", code="invalid_aspect_ratio") or size_aspect,
        resolution=wire.string("resolution", code="invalid_resolution"),
        sample_count=_sample_count(wire, names),
        seed=wire.integer("seed", rule="an integer (0 to 4294967295)"),
        generate_audio=wire.boolean("generate_audio"),
        person_generation=None if person is None else _PERSON[person],
        resize_mode=wire.choice("resize_mode", {"pad": "pad", "crop": "crop"}),
        enhance_prompt=wire.boolean("enhance_prompt"),
        first_frame=images.first_frame,
        last_frame=images.last_frame,
        reference_images=images.references,
        frame_size=frame_size,
    )
    return draft, names


def read_warnings(body: dict[str, Any]) -> tuple[str, ...]:
    """Unknown fields (and a `generation_type` with no `image_urls` to apply to), named in
    the job's warnings; an unknown field that carries an image is a 400."""
    warnings = ignored_fields(body, KNOWN_FIELDS, image_fields=IMAGE_FIELDS)
    wire = WireReader(body)
    if wire.present("generation_type") and body.get("image_urls") in (None, []):
        warnings += ("generation_type applies to image_urls only; it was ignored",)
    return warnings


def read_callback(body: dict[str, Any]) -> tuple[str, str] | None:
    """`callback_url`: where to send the job's terminal event (a webhook)."""
    url = WireReader(body).string("callback_url")
    return None if url is None else ("callback_url", url)
