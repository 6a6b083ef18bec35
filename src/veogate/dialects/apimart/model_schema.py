"""The JSON Schema (draft 2020-12) of an apimart create body, derived from the catalog.

Every enum, default and bound comes from the catalog entry, its rules or the constants
the validator itself uses, so the schema cannot say something the server does not do.
Unknown fields are allowed (they are ignored and named in the job's warnings).
"""

from __future__ import annotations

from typing import Any

from veogate.catalog import Catalog, PublicModel
from veogate.catalog.frame_size import offered_sizes
from veogate.catalog.validate import (
    DEFAULT_ASPECT_RATIO,
    DEFAULT_RESOLUTION,
    MAX_PROMPT_CHARS,
    MAX_SAMPLES,
)
from veogate.dialects.apimart.images import MAX_IMAGE_URLS, ROLES
from veogate.dialects.apimart.schemas import PERSON_GENERATION, SAMPLE_COUNT_ALIASES
from veogate.jobs.model import SEED_MAX

OPERATION = "video_generation"
DIALECT_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
IMAGE_PATTERN = "^(?:[Hh][Tt][Tt][Pp][Ss]?://|[Dd][Aa][Tt][Aa]:image/)"
_IMAGE = {
    "type": "string",
    "pattern": IMAGE_PATTERN,
    "description": "an http(s) URL (an uploaded image's URL included) or a "
    "data:image/(png|jpeg|webp);base64 URI",
}


def image_counts(model: PublicModel) -> dict[str, list[int]]:
    """How many `image_urls` each `generation_type` takes on this model."""
    counts: dict[str, list[int]] = {}
    frames = [n for mode, n in (("first", 1), ("first+last", 2)) if mode in model.image_modes]
    if frames:
        counts["frame"] = frames
    if "reference" in model.image_modes and model.max_reference_images > 0:
        counts["reference"] = list(range(1, min(MAX_IMAGE_URLS, model.max_reference_images) + 1))
    return counts


def image_roles(model: PublicModel) -> list[str]:
    modes = model.image_modes
    wanted = {"first_frame": "first" in modes, "last_frame": "first+last" in modes}
    wanted["reference"] = "reference" in modes and model.max_reference_images > 0
    return [role for role in ROLES if wanted[role]]


def _properties(model: PublicModel, catalog: Catalog) -> dict[str, Any]:
    aspects = list(catalog.rules.aspect_ratios)
    samples = {"type": "integer", "minimum": 1, "maximum": MAX_SAMPLES}
    audio_on = model.audio == "on"
    props: dict[str, Any] = {
        "model": {"type": "string", "const": model.name},
        "prompt": {"type": "string", "minLength": 1, "maxLength": MAX_PROMPT_CHARS},
        "negative_prompt": {"type": "string", "maxLength": MAX_PROMPT_CHARS},
        "duration": {
            "type": "integer",
            "enum": list(model.durations),
            "default": max(model.durations),
            "description": "seconds; a JSON number (a string is rejected)",
        },
        "aspect_ratio": {"type": "string", "enum": aspects, "default": DEFAULT_ASPECT_RATIO},
        "resolution": {
            "type": "string",
            "enum": list(model.resolutions),
            "default": DEFAULT_RESOLUTION,
            "description": "case-insensitive",
        },
        "size": {
            "type": "string",
            "enum": [*aspects, *offered_sizes(catalog, model.resolutions)],
            "description": "alias: an aspect ratio, or WxH standing for a resolution and "
            "aspect ratio; must agree with aspect_ratio and resolution when they are sent",
        },
        "seed": {"type": "integer", "minimum": 0, "maximum": SEED_MAX, "description": "random"},
        "sample_count": {**samples, "default": 1, "description": "output videos of the task"},
        "generate_audio": {"type": "boolean", "default": audio_on}
        | ({"const": True, "description": "always on for this model"} if audio_on else {}),
        "person_generation": {
            "type": "string",
            "enum": list(PERSON_GENERATION),
            "default": "allow_adult",
        },
        "resize_mode": {
            "type": "string",
            "enum": ["pad", "crop"],
            "default": "pad",
            "description": "how a first/last frame of another aspect is fitted",
        },
        "enhance_prompt": {"type": "boolean", "default": True},
        "callback_url": {"type": "string", "format": "uri", "description": "webhook URL"},
    }
    for alias in SAMPLE_COUNT_ALIASES[1:]:
        props[alias] = {**samples, "description": "alias of sample_count"}
    props.update(_image_properties(model))
    return props


def _counts_description(counts: dict[str, list[int]]) -> str:
    words = {1: "1 = first frame", 2: "2 = first + last frame"}
    said = [words[n] for n in counts.get("frame", [])]
    if references := counts.get("reference"):
        inferred = " (3 without generation_type)" if MAX_IMAGE_URLS in references else ""
        said.append(f"with generation_type reference: 1 to {max(references)} reference images")
        said[-1] += inferred
    return "; ".join(said)


def _image_properties(model: PublicModel) -> dict[str, Any]:
    props: dict[str, Any] = {}
    if "first" in model.image_modes:
        props["first_frame_image"] = {**_IMAGE, "description": "first frame: image-to-video"}
    if "first+last" in model.image_modes:
        props["last_frame_image"] = {**_IMAGE, "description": "last frame: interpolation"}
    counts = image_counts(model)
    if counts:
        props["image_urls"] = {
            "type": "array",
            "items": _IMAGE,
            "minItems": 1,
            "maxItems": max(max(n) for n in counts.values()),
            "description": _counts_description(counts),
        }
        props["generation_type"] = {
            "type": "string",
            "enum": list(counts),
            "description": "what image_urls are: overrides the count",
        }
        role = {"type": "string", "enum": image_roles(model)}
        props["image_with_roles"] = {
            "type": "array",
            "minItems": 1,
            "description": "objects {url, role}; role one of " + ", ".join(image_roles(model)),
            "items": {
                "type": "object",
                "properties": {"url": _IMAGE, "role": role},
                "required": ["url", "role"],
            },
        }
    return props


def _rules(model: PublicModel, catalog: Catalog, props: dict[str, Any]) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for rule in catalog.rules.resolution_durations:
        durations = {"properties": {"duration": {"enum": list(rule.durations)}}}
        resolutions = [r for r in rule.resolutions if r in model.resolutions]
        if not resolutions:
            continue
        for name, values in (
            ("resolution", resolutions),
            ("size", offered_sizes(catalog, tuple(resolutions))),
        ):
            rules.append(
                {"if": {"required": [name], "properties": {name: {"enum": values}}}}
                | {"then": durations}
            )
    ways: list[str] = [
        w for w in ("first_frame_image", "image_urls", "image_with_roles") if w in props
    ]
    ways += ["last_frame_image"] if "last_frame_image" in props else []
    for index, one in enumerate(ways):
        for other in ways[index + 1 :]:
            if {one, other} != {"first_frame_image", "last_frame_image"}:
                rules.append({"not": {"required": [one, other]}})
    if "reference" in image_counts(model):
        reference = catalog.rules.reference_mode
        rules.append(
            {
                "if": {
                    "required": ["generation_type"],
                    "properties": {"generation_type": {"const": "reference"}},
                },
                "then": {
                    "properties": {
                        "aspect_ratio": {"enum": list(reference.aspect_ratios)},
                        "duration": {"enum": list(reference.durations)},
                    }
                },
            }
        )
    return rules


def input_schema(model: PublicModel, catalog: Catalog) -> dict[str, Any]:
    props = _properties(model, catalog)
    schema: dict[str, Any] = {
        "$schema": DIALECT_SCHEMA,
        "title": f"{model.name} {OPERATION}",
        "type": "object",
        "properties": props,
        "required": ["model", "prompt"],
    }
    if "last_frame_image" in props:
        schema["dependentRequired"] = {"last_frame_image": ["first_frame_image"]}
    if rules := _rules(model, catalog, props):
        schema["allOf"] = rules
    return schema
