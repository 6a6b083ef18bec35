"""A model's create parameters and rules as Markdown (and a plain HTML page of it),
generated from its JSON Schema (`model_schema.py`), so the docs say what the server does."""

from __future__ import annotations

import html
import json
from typing import Any

from veogate.catalog import Catalog, PublicModel
from veogate.dialects.apimart.model_schema import image_counts, input_schema

DOCS_CACHE_SECONDS = 3600
"""How long a client may keep a model's documentation before asking again."""


def _value(value: Any) -> str:
    return (
        f"`{json.dumps(value, ensure_ascii=False)}`" if not isinstance(value, str) else f"`{value}`"
    )


def _rule(prop: dict[str, Any]) -> str:
    parts: list[str] = []
    if "const" in prop:
        parts.append(f"always {_value(prop['const'])}")
    elif "enum" in prop:
        parts.append("one of " + ", ".join(_value(v) for v in prop["enum"]))
    if "minimum" in prop:
        parts.append(f"{prop['minimum']} … {prop['maximum']}")
    if "maxLength" in prop:
        parts.append(f"at most {prop['maxLength']} characters")
    if "maxItems" in prop:
        parts.append(f"{prop.get('minItems', 0)} … {prop['maxItems']} items")
    if "description" in prop:
        parts.append(prop["description"])
    return "; ".join(parts)


def _type(prop: dict[str, Any]) -> str:
    if prop.get("type") == "array":
        return f"array of {prop['items']['type']}"
    return str(prop.get("type", ""))


def _rules(model: PublicModel, catalog: Catalog) -> list[str]:
    lines = [
        f"- {' and '.join(r.resolutions)} require duration {' or '.join(map(str, r.durations))}."
        for r in catalog.rules.resolution_durations
        if set(r.resolutions) & set(model.resolutions)
    ]
    lines.append(
        "- Images are given one way per request: first_frame_image/last_frame_image, "
        "image_urls or image_with_roles. last_frame_image requires first_frame_image."
    )
    counts = image_counts(model)
    if counts:
        said = "; ".join(f"{kind}: {', '.join(map(str, n))}" for kind, n in counts.items())
        lines.append(f"- image_urls entries per generation_type on this model: {said}.")
    if "reference" in counts:
        rule = catalog.rules.reference_mode
        lines.append(
            f"- Reference images require aspect_ratio {' or '.join(rule.aspect_ratios)} "
            f"and duration {' or '.join(map(str, rule.durations))}."
        )
    else:
        lines.append("- This model has no reference-image mode.")
    lines.append(
        "- Unknown fields are ignored and named in the task's `warnings`; a field that "
        "carries an image is never ignored (a 400 if it is not one of the image fields)."
    )
    return lines


def model_markdown(model: PublicModel, catalog: Catalog) -> str:
    schema = input_schema(model, catalog)
    required = set(schema["required"])
    rows = []
    for name, prop in schema["properties"].items():
        default = "required" if name in required else _value(prop.get("default", "—"))
        if "default" not in prop and name not in required:
            default = "—"
        rows.append(f"| `{name}` | {_type(prop)} | {default} | {_rule(prop)} |")
    return "\n".join(
        [
            f"# {model.name}",
            "",
            f'Video generation: `POST /v1/videos/generations` with `"model": "{model.name}"` '
            f"(canonical model `{model.canonical}`). Status: `GET /v1/tasks/{{task_id}}`.",
            "",
            "| field | type | default | rule |",
            "|---|---|---|---|",
            *rows,
            "",
            "## Rules",
            "",
            *_rules(model, catalog),
            "",
        ]
    )


def model_page(model: PublicModel, markdown: str) -> str:
    """The Markdown in a minimal HTML page (no scripts, no external assets)."""
    title = html.escape(model.name)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title} — veogate</title></head><body>"
        f'<pre style="white-space: pre-wrap">{html.escape(markdown)}</pre></body></html>'
    )
