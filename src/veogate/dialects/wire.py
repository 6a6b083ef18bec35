"""Reading JSON request bodies field by field, with errors that name the field and rule.

Both dialects use this; each only says which fields it has and what they mean.
"""

from __future__ import annotations

import json
from typing import Any

from veogate.errors import InvalidRequest, PayloadTooLarge
from veogate.jobs.model import ImageInput

IMAGE_PREFIXES = ("http://", "https://", "data:image/")


def describe(value: Any) -> str:
    """How a JSON value reads in an error message: `string "8"`, `number 5`, `null`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {json.dumps(value)}"
    if isinstance(value, int | float):
        return f"number {json.dumps(value)}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {json.dumps(shown, ensure_ascii=False)}"
    if isinstance(value, list):
        return "array"
    return "object"


def parse_json_object(raw: bytes, max_bytes: int) -> dict[str, Any]:
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"request body is {len(raw)} bytes; at most {max_bytes} are accepted")
    if not raw.strip():
        raise InvalidRequest("request body is empty; send a JSON object", code="invalid_json")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRequest(
            f"request body is not valid JSON: {exc}", code="invalid_json"
        ) from None
    if not isinstance(body, dict):
        raise InvalidRequest(
            f"request body must be a JSON object, got {describe(body)}", code="invalid_json"
        )
    return body


class WireReader:
    """Typed access to a parsed JSON object. `null` counts as absent."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body

    def present(self, name: str) -> bool:
        return self.body.get(name) is not None

    def string(
        self, name: str, *, required: bool = False, code: str = "invalid_parameter"
    ) -> str | None:
        value = self.body.get(name)
        if value is None:
            if required:
                raise InvalidRequest(f"{name} is required", code="missing_parameter", param=name)
            return None
        if not isinstance(value, str):
            raise InvalidRequest(
                f"{name} must be a string, got {describe(value)}", code=code, param=name
            )
        return value

    def integer(
        self, name: str, *, code: str = "invalid_parameter", rule: str = "an integer"
    ) -> int | None:
        """An integer; an integral JSON number like `8.0` counts, a string `"8"` does not."""
        value = self.body.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidRequest(
                f"{name} must be {rule}, got {describe(value)}", code=code, param=name
            )
        if isinstance(value, float) and not value.is_integer():
            raise InvalidRequest(
                f"{name} must be {rule}, got {describe(value)}", code=code, param=name
            )
        return int(value)

    def boolean(self, name: str) -> bool | None:
        value = self.body.get(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise InvalidRequest(
                f"{name} must be a JSON boolean (true or false), got {describe(value)}", param=name
            )
        return value

    def choice(self, name: str, allowed: dict[str, str]) -> str | None:
        """A string from `allowed` (wire value -> canonical value)."""
        value = self.string(name)
        if value is None:
            return None
        if value not in allowed:
            raise InvalidRequest(
                f"{name} must be one of {', '.join(allowed)} (got {json.dumps(value)})", param=name
            )
        return allowed[value]

    def image(self, name: str) -> ImageInput | None:
        value = self.string(name)
        return None if value is None else image_input(value, name)

    def image_list(self, name: str) -> tuple[ImageInput, ...]:
        value = self.body.get(name)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise InvalidRequest(
                f"{name} must be an array of image URLs, got {describe(value)}", param=name
            )
        images = []
        for index, item in enumerate(value):
            field = f"{name}[{index}]"
            if not isinstance(item, str):
                raise InvalidRequest(f"{field} must be a string, got {describe(item)}", param=field)
            images.append(image_input(item, field))
        return tuple(images)


def image_input(value: str, field: str) -> ImageInput:
    source = value.strip()
    if not source.lower().startswith(IMAGE_PREFIXES):
        raise InvalidRequest(
            f"{field} must be an http(s) URL or a data:image/...;base64 URI", param=field
        )
    return ImageInput(source=source, field=field)
