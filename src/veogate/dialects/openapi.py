"""OpenAPI for dialect routes whose bodies the dialect reads and writes itself: the
Pydantic models document them, the routes never validate through them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

_PATH_PARAMETER = re.compile(r"\{([a-zA-Z_]+)(?::path)?\}")
_DEFS = re.compile(r"#/\$defs/(.+)")


def documented_responses(
    success: type[BaseModel], error: type[BaseModel], statuses: Sequence[int]
) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route: its answer, and its error body for `statuses` and any
    other status (`default`: 5xx, 405, ...)."""
    return {200: {"model": success}, **error_responses(error, statuses)}


def error_responses(
    error: type[BaseModel], statuses: Sequence[int]
) -> dict[int | str, dict[str, Any]]:
    documented: dict[int | str, dict[str, Any]] = {status: {"model": error} for status in statuses}
    documented["default"] = {"model": error, "description": "Any other error"}
    return documented


def request_body(
    model: type[BaseModel], media_types: Sequence[str] = ("application/json",)
) -> dict[str, Any]:
    """An OpenAPI `requestBody` of `model`'s JSON schema (for bodies the dialect reads
    itself), its definitions inlined so that it stands alone in the document."""
    schema = inline_schema(model)
    return {
        "required": True,
        "content": {media_type: {"schema": schema} for media_type in media_types},
    }


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True)
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and (found := _DEFS.fullmatch(ref)) is not None:
                return resolve(definitions[found[1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def path_parameters(path: str) -> list[dict[str, Any]]:
    """OpenAPI for the parameters of `path` (read by handlers from the raw path)."""
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAMETER.findall(path)
    ]
