"""The kyy create request, read off the wire into a dialect-neutral draft."""

from __future__ import annotations

from typing import Any

from veogate.catalog import SpecDraft
from veogate.dialects.wire import WireReader, ignored_fields
from veogate.errors import InvalidRequest
from veogate.ids import IdForm

DIALECT = "kyy"
ID_FORM = IdForm("vgen")
"""How this dialect spells job ids (any spelling of a job's id is accepted)."""

# Canonical field -> kyy field, for error messages.
FIELD_NAMES = {
    "first_frame": "first_image",
    "last_frame": "last_image",
    "reference_images": "input_reference",
}
KNOWN_FIELDS = frozenset(
    {
        "model",
        "prompt",
        "resolution",
        "aspect_ratio",
        "input_reference",
        "image_urls",
        "first_image",
        "last_image",
        "callback_url",
    }
)
IMAGE_FIELDS = "first_image / last_image (frames) or input_reference / image_urls (references)"


def read_create(body: dict[str, Any]) -> tuple[SpecDraft, dict[str, str]]:
    """Parse a create body. Returns the draft and the field names to report errors with."""
    wire = WireReader(body)
    model = wire.string("model", required=True)
    prompt = wire.string("prompt", required=True)
    assert model is not None
    assert prompt is not None
    refs = wire.image_list("input_reference")
    aliases = wire.image_list("image_urls")
    names = dict(FIELD_NAMES)
    if refs and aliases:
        raise InvalidRequest(
            "send reference images in input_reference or image_urls, not both",
            code="conflicting_parameters",
            param="image_urls",
        )
    if aliases:
        names["reference_images"] = "image_urls"
    draft = SpecDraft(
        model=model,
        prompt=prompt,
        resolution=wire.string("resolution"),
        aspect_ratio=wire.string("aspect_ratio"),
        first_frame=wire.image("first_image"),
        last_frame=wire.image("last_image"),
        reference_images=refs or aliases,
    )
    return draft, names


def read_callback(body: dict[str, Any]) -> tuple[str, str] | None:
    """`callback_url`: where to send the job's terminal event (a webhook)."""
    url = WireReader(body).string("callback_url")
    return None if url is None else ("callback_url", url)


def read_warnings(body: dict[str, Any]) -> tuple[str, ...]:
    """Unknown fields, named in the job's warnings; one that carries an image is a 400."""
    return ignored_fields(body, KNOWN_FIELDS, image_fields=IMAGE_FIELDS)
