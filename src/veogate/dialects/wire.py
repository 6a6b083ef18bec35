"""Reading JSON request bodies field by field, with errors that name the field and rule.

Both dialects use this; each only says which fields it has and what they mean.

Before any field is read, the whole body is held to rules no field may break, known or
not (every field is fingerprinted for idempotency): it is UTF-8, arrays and objects nest
at most `MAX_DEPTH` levels and hold at most `MAX_VALUES` values, integer literals have at
most `MAX_INTEGER_DIGITS` digits, and every string and key is valid Unicode (no lone
surrogates).
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Collection, Iterable
from typing import Any

from veogate.catalog.text import control_character, lone_surrogate
from veogate.errors import InvalidRequest, PayloadTooLarge
from veogate.jobs.model import ImageInput

IMAGE_PREFIXES = ("http://", "https://", "data:image/")
MAX_DEPTH = 32
"""Arrays and objects nest at most this deep; the body itself is level 1."""
MAX_VALUES = 10_000
"""Array items and object members a body may hold, all levels together."""
MAX_INTEGER_DIGITS = 100
"""Longer integer literals are refused by name (Python would not even convert 4,301 digits)."""


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
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidRequest(
            f"request body is not UTF-8 ({exc}); send JSON encoded as UTF-8", code="invalid_json"
        ) from None
    _check_shape(text)
    try:
        body = json.loads(text, parse_int=_integer)
    except RecursionError:  # not expected after `_check_shape`; never a 500 all the same
        raise _too_deep() from None
    except json.JSONDecodeError as exc:
        raise InvalidRequest(
            f"request body is not valid JSON: {exc}", code="invalid_json"
        ) from None
    if not isinstance(body, dict):
        raise InvalidRequest(
            f"request body must be a JSON object, got {describe(body)}", code="invalid_json"
        )
    _check_values(body)
    return body


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_STRUCTURE = re.compile(r"[\[\]{},]")


def _check_shape(text: str) -> None:
    """Refuse a body nested deeper than `MAX_DEPTH` or holding more than `MAX_VALUES`
    values, from its text, before parsing gives each value an object (`[],` is 3 bytes
    of text and 60 of memory) or recurses into it."""
    openers = text.count("[") + text.count("{")
    if openers <= MAX_DEPTH and openers + text.count(",") <= MAX_VALUES:
        return  # these counts include what strings hold, so they are upper bounds
    depth = values = 0
    for seen, mark in enumerate(_STRUCTURE.finditer(_STRING.sub("", text))):
        if mark[0] in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep()
        elif mark[0] in "]}":
            depth -= 1
        values += mark[0] not in "]}"
        if values > MAX_VALUES or seen > 3 * MAX_VALUES:
            raise InvalidRequest(
                f"request body holds more than {MAX_VALUES} values (array items and object "
                "members); send fewer",
                code="invalid_json",
            )


def _too_deep() -> InvalidRequest:
    return InvalidRequest(
        f"request body nests arrays and objects more than {MAX_DEPTH} levels deep",
        code="invalid_json",
    )


class _LongInteger:
    """Stands in for an integer literal too long to convert, until `_check_values` names it."""

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _integer(literal: str) -> int | _LongInteger:
    """`json.loads`'s `parse_int`: literals too long to convert become `_LongInteger`s."""
    digits = len(literal.lstrip("-"))
    return int(literal) if digits <= MAX_INTEGER_DIGITS else _LongInteger(digits)


# A value's place in the body: (parent, key or index); named only when an error needs it.
_Path = tuple["_Path", str | int] | None


def _field_name(path: _Path) -> str:
    """`a.b[2].c` for the path; keys that are not valid Unicode are shown escaped."""
    parts: list[str] = []
    while path is not None:
        path, step = path
        if isinstance(step, int):
            parts.append(f"[{step}]")
        else:
            shown = step.encode("utf-8", "backslashreplace").decode()
            parts.append(shown if path is None else f".{shown}")
    return "".join(reversed(parts))


def _check_values(body: dict[str, Any]) -> None:
    """Every key and string valid Unicode, every integer short enough: breadth first (the
    body's own fields in order, then what they hold) and without recursion."""
    pending: deque[tuple[_Path, dict[str, Any] | list[Any]]] = deque([(None, body)])
    while pending:
        parent, container = pending.popleft()
        entries: Iterable[tuple[str | int, Any]] = (
            container.items() if isinstance(container, dict) else enumerate(container)
        )
        for step, value in entries:
            path: _Path = (parent, step)
            if isinstance(step, str) and (found := lone_surrogate(step)) is not None:
                raise _not_unicode(path, found, "key")
            if isinstance(value, dict | list):
                pending.append((path, value))
            elif isinstance(value, str) and (found := lone_surrogate(value)) is not None:
                raise _not_unicode(path, found, "value")
            elif isinstance(value, _LongInteger):
                name = _field_name(path)
                raise InvalidRequest(
                    f"{name} is an integer of {value.digits} digits; "
                    f"at most {MAX_INTEGER_DIGITS} are accepted",
                    param=name,
                )


def _not_unicode(path: _Path, found: str, what: str) -> InvalidRequest:
    name = _field_name(path)
    return InvalidRequest(
        f"{name}: the {what} is not valid Unicode (a lone surrogate, {found}); "
        "send UTF-8 text or paired \\uXXXX escapes",
        param=name,
    )


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
    if (found := control_character(source)) is not None:
        raise InvalidRequest(
            f"{field} must not contain control characters (found {found})", param=field
        )
    return ImageInput(source=source, field=field)


_MEDIA_NAME = re.compile(
    "image|img|frame|reference|photo|picture|media|video|file|asset|mask", re.I
)
"""Names of fields that, holding a URL or encoded bytes, are taken to carry media."""
_URL = re.compile("[a-z][a-z0-9+.-]*://", re.I)
_BASE64 = re.compile("[A-Za-z0-9+/_-]{64,}={0,2}")


def _strings(value: Any) -> Iterable[str]:
    """Every string inside a JSON value (bounded: the body is held to `MAX_VALUES`)."""
    pending: deque[Any] = deque([value])
    while pending:
        item = pending.popleft()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def carries_media(name: str, value: Any) -> bool:
    """Whether an unknown field looks like it holds an image or other media: any `data:`
    URI, or a URL or long base64 text in a field whose name speaks of media."""
    media_name = _MEDIA_NAME.search(name) is not None
    for text in _strings(value):
        source = text.strip()
        if source[:5].lower() == "data:":
            return True
        if media_name and (_URL.match(source) or _BASE64.fullmatch(source)):
            return True
    return False


def ignored_fields(
    body: dict[str, Any], known: Collection[str], *, image_fields: str
) -> tuple[str, ...]:
    """A warning for each field of `body` not in `known` (those are ignored), in body
    order. A field that carries media is never ignored: it is a 400 pointing to
    `image_fields`, the fields that take images."""
    warnings = []
    for name, value in body.items():
        if name in known or value is None:
            continue
        shown = json.dumps(name if len(name) <= 64 else name[:61] + "...", ensure_ascii=False)
        if carries_media(name, value):
            raise InvalidRequest(
                f"{shown} is not a field of this API, and it carries an image or other media, "
                f"which is never ignored; send images in {image_fields}",
                param=name,
            )
        warnings.append(f"unknown field {shown} was ignored")
    return tuple(warnings)
