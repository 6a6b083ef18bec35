"""The three ways an apimart request gives images, read into frames or references.

- `first_frame_image` / `last_frame_image` (the documented fields);
- `image_urls`: 1 = first frame, 2 = first + last frame, 3 = reference images, unless
  `generation_type` (`frame` | `reference`) says which;
- `image_with_roles`: `[{"url": ..., "role": "first_frame" | "last_frame" | "reference"}]`.

A request uses exactly one of them. Whether the model offers the mode is the catalog's
call (`catalog/validate.py`); this module only decides which images mean what.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from veogate.dialects.wire import WireReader, describe, image_input
from veogate.errors import InvalidRequest
from veogate.jobs.model import ImageInput

MAX_IMAGE_URLS = 3
GENERATION_TYPES = {"frame": "frame", "reference": "reference"}
ROLES = ("first_frame", "last_frame", "reference")
_WAYS = (
    ("first_frame_image", ("first_frame_image", "last_frame_image")),
    ("image_urls", ("image_urls",)),
    ("image_with_roles", ("image_with_roles",)),
)


@dataclass(frozen=True)
class Images:
    first_frame: ImageInput | None = None
    last_frame: ImageInput | None = None
    references: tuple[ImageInput, ...] = ()
    names: dict[str, str] = field(default_factory=dict)
    """Canonical image field -> the wire field to name in errors."""


def _given(wire: WireReader, name: str) -> bool:
    """Present and not an empty array (clients send `[]` for "none")."""
    return wire.present(name) and wire.body[name] != []


def read_images(wire: WireReader) -> Images:
    ways = [(way, fields) for way, fields in _WAYS if any(_given(wire, f) for f in fields)]
    if len(ways) > 1:
        first = next(f for f in ways[0][1] if _given(wire, f))
        raise InvalidRequest(
            f"images were sent both in {first} and in {ways[1][0]}; give images one way: "
            "first_frame_image/last_frame_image, image_urls or image_with_roles",
            code="conflicting_parameters",
            param=ways[1][0],
        )
    way = ways[0][0] if ways else None
    if way == "image_urls":
        return _image_urls(wire)
    if way == "image_with_roles":
        return _image_with_roles(wire.body["image_with_roles"])
    return Images(wire.image("first_frame_image"), wire.image("last_frame_image"))


def _image_urls(wire: WireReader) -> Images:
    images = wire.image_list("image_urls")
    count = len(images)
    if count > MAX_IMAGE_URLS:
        raise InvalidRequest(
            f"image_urls has {count} images; at most {MAX_IMAGE_URLS} are accepted "
            "(1 = first frame, 2 = first and last frame, 3 = reference images)",
            param="image_urls",
        )
    asked = wire.choice("generation_type", GENERATION_TYPES)
    mode = asked or ("reference" if count == MAX_IMAGE_URLS else "frame")
    if mode == "reference":
        return Images(references=images, names={"reference_images": "image_urls"})
    if count > 2:
        raise InvalidRequest(
            f"generation_type frame takes 1 image_urls entry (first frame) or 2 (first and "
            f"last frame), got {count}; send generation_type reference for reference images",
            param="generation_type",
        )
    names = {"first_frame": "image_urls[0]", "last_frame": "image_urls[1]"}
    return Images(images[0], images[1] if count == 2 else None, names=names)


def _image_with_roles(value: Any) -> Images:
    if not isinstance(value, list):
        raise InvalidRequest(
            f"image_with_roles must be an array of {{url, role}} objects, got {describe(value)}",
            param="image_with_roles",
        )
    frames: dict[str, ImageInput] = {}
    references: list[ImageInput] = []
    for index, item in enumerate(value):
        where = f"image_with_roles[{index}]"
        if not isinstance(item, dict):
            raise InvalidRequest(
                f"{where} must be an object with url and role, got {describe(item)}", param=where
            )
        url, role = item.get("url"), item.get("role")
        if not isinstance(url, str):
            raise InvalidRequest(
                f"{where}.url must be an image URL string, got {describe(url)}",
                code="invalid_parameter" if url is not None else "missing_parameter",
                param=f"{where}.url",
            )
        if role not in ROLES:
            raise InvalidRequest(
                f"{where}.role must be one of {', '.join(ROLES)}, got {describe(role)}",
                code="invalid_parameter" if role is not None else "missing_parameter",
                param=f"{where}.role",
            )
        image = image_input(url, f"{where}.url")
        if role == "reference":
            references.append(image)
        elif role in frames:
            raise InvalidRequest(
                f"image_with_roles has more than one {role} image", param=f"{where}.role"
            )
        else:
            frames[role] = image
    return _roles_images(frames, tuple(references))


def _roles_images(frames: dict[str, ImageInput], references: tuple[ImageInput, ...]) -> Images:
    if frames and references:
        raise InvalidRequest(
            "image_with_roles mixes frame images (first_frame/last_frame) with reference "
            "images; choose one mode",
            code="conflicting_parameters",
            param="image_with_roles",
        )
    if "last_frame" in frames and "first_frame" not in frames:
        raise InvalidRequest(
            "image_with_roles has a last_frame image but no first_frame image",
            code="missing_parameter",
            param="image_with_roles",
        )
    names = dict.fromkeys(("first_frame", "last_frame", "reference_images"), "image_with_roles")
    return Images(frames.get("first_frame"), frames.get("last_frame"), references, names)
