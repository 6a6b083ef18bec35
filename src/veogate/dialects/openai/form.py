"""Form bodies read into the shape of a JSON create body.

The official SDK sends every create as `multipart/form-data`, nested fields flattened with
brackets: `input_reference[image_url]`, `reference_images[][image_url]` (a new object each
time a key repeats), and `reference_images[0][image_url]` is read too. The file part
`input_reference` becomes a data: URI, so an upload goes through the same checks and
storage as any inline image. Form values are text: `seed`, `n` and `generate_audio` are
converted when they spell a number or a boolean, and otherwise stay strings for the
reader to name.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncGenerator
from typing import Any

from starlette.datastructures import FormData, Headers, UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser

from veogate.errors import InvalidRequest
from veogate.media.images import sniff_format

MAX_FIELDS = 100
FILE_FIELDS = ("input_reference",)
"""The only fields that may be uploaded files."""
MAX_KEY_DEPTH = 3
"""Bracketed steps a field name may have (`reference_images[0][image_url]` has two)."""
_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_STEP = re.compile(r"\[([^\[\]]*)\]")
_INTEGER = re.compile("-?[0-9]{1,20}")
_INTEGERS = ("seed", "n")
_BOOLEANS = {"generate_audio": {"true": True, "false": False}}
_MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


async def read_form(
    headers: Headers, stream: AsyncGenerator[bytes, None], *, multipart: bool, max_bytes: int
) -> dict[str, Any]:
    """A multipart (or URL-encoded) body as the JSON object it stands for."""
    parser: MultiPartParser | FormParser = (
        MultiPartParser(
            headers,
            stream,
            max_files=len(FILE_FIELDS),
            max_fields=MAX_FIELDS,
            max_part_size=max_bytes,
        )
        if multipart
        else FormParser(headers, stream, max_fields=MAX_FIELDS, max_part_size=max_bytes)
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise InvalidRequest(
            f"the form body could not be read: {exc.message}", code="invalid_body"
        ) from None
    try:
        return await _body_of(form)
    finally:
        await form.close()


async def _body_of(form: FormData) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            await _put_upload(body, key, value)
        else:
            _assign(body, key, value)
    for name in _INTEGERS:
        if isinstance(text := body.get(name), str) and _INTEGER.fullmatch(text.strip()):
            body[name] = int(text)
    for name, words in _BOOLEANS.items():
        if isinstance(text := body.get(name), str) and text.strip().lower() in words:
            body[name] = words[text.strip().lower()]
    return body


async def _put_upload(body: dict[str, Any], key: str, upload: UploadFile) -> None:
    if key not in FILE_FIELDS:
        raise InvalidRequest(
            f"{key}: a file was uploaded, but only {' and '.join(FILE_FIELDS)} may be a file; "
            f'send {key} as {{"image_url": "..."}} (a URL or a data: URI)',
            param=key,
        )
    if key in body:
        raise _twice(key)
    data = await upload.read()
    found = sniff_format(data)
    if found is None:
        raise InvalidRequest(
            f"{key}: the uploaded file ({upload.filename or 'unnamed'}, {len(data)} bytes) "
            "is not a PNG, JPEG or WebP image",
            code="invalid_image",
            param=key,
        )
    body[key] = f"data:{_MIME[found]};base64,{base64.b64encode(data).decode('ascii')}"


def _assign(body: dict[str, Any], key: str, value: str) -> None:
    match = _KEY.fullmatch(key)
    if match is None:
        raise InvalidRequest(f"form field name {key!r} is not understood", param=key)
    steps = _STEP.findall(match[2])
    if len(steps) > MAX_KEY_DEPTH:
        raise InvalidRequest(
            f"form field {key} nests more than {MAX_KEY_DEPTH} levels deep", param=key
        )
    _place(body, match[1], steps, value, key)


def _place(container: dict[str, Any], name: str, steps: list[str], value: str, key: str) -> None:
    """Put `value` at `container[name]` followed by the bracketed `steps`."""
    if not steps:
        if name in container:
            raise _twice(key)
        container[name] = value
        return
    head, rest = steps[0], steps[1:]
    if head != "" and not head.isdigit():
        child = container.setdefault(name, {})
        if not isinstance(child, dict):
            raise _twice(key)
        _place(child, head, rest, value, key)
        return
    items = container.setdefault(name, [])
    if not isinstance(items, list):
        raise _twice(key)
    if head == "":  # `name[]`: the next item, or a new object unless the last one lacks the key
        index = len(items)
        if rest and items and isinstance(items[-1], dict) and rest[0] not in items[-1]:
            index -= 1
    else:
        index = int(head)
        if index > len(items):
            raise InvalidRequest(f"form field {key}: items must be numbered from 0", param=key)
    if index == len(items):
        items.append({} if rest else value)
    elif not rest or not isinstance(items[index], dict):
        raise _twice(key)
    if rest:
        _place(items[index], rest[0], rest[1:], value, key)


def _twice(key: str) -> InvalidRequest:
    return InvalidRequest(
        f"form field {key} is sent more than once, or as both a value and an object",
        code="conflicting_parameters",
        param=key,
    )
