"""Hostile create bodies: each is a 400 in the dialect's own error shape, naming the field
(or the body) and the rule, on SQLite and on PostgreSQL; never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.security.conftest import APIMART, DIALECTS, KYY, Dialect, assert_refused, post_raw
from tests.support.server import ServerProcess

IMAGE_FIELD = {"kyy": "first_image", "apimart": "first_frame_image"}
by_name = pytest.mark.parametrize("dialect", DIALECTS, ids=[d.name for d in DIALECTS])


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def post_json(server: ServerProcess, dialect: Dialect, changes: dict[str, Any]) -> Any:
    with server.client() as client:
        return client.post(dialect.create_path, json={**dialect.base, **changes})


# --------------------------------------------------------------------------- nesting


@by_name
def test_100000_levels_of_nesting_is_a_400_naming_the_body(
    api_server: ServerProcess, dialect: Dialect
) -> None:
    response = post_raw(api_server, dialect, dialect.raw_body(extra=nested(100_000)))
    refusal = assert_refused(response, dialect, 400, None)
    assert refusal.code == "invalid_json"
    assert "request body" in refusal.message
    assert "32 levels" in refusal.message


@by_name
def test_nesting_limit_is_32_levels_counting_the_body(
    api_server: ServerProcess, dialect: Dialect
) -> None:
    at_limit = post_raw(api_server, dialect, dialect.raw_body(extra=nested(31)))
    assert at_limit.status_code == 200, at_limit.text
    over = post_raw(api_server, dialect, dialect.raw_body(extra=nested(32)))
    assert "32 levels" in assert_refused(over, dialect, 400, None).message


@by_name
def test_brackets_inside_strings_do_not_count(api_server: ServerProcess, dialect: Dialect) -> None:
    response = post_json(api_server, dialect, {"extra": "[" * 5000 + "{" * 5000 + ",," * 9000})
    assert response.status_code == 200, response.text


@by_name
def test_a_body_of_20000_values_is_a_400(api_server: ServerProcess, dialect: Dialect) -> None:
    raw = dialect.raw_body(extra="[" + ",".join(["[]"] * 20_000) + "]")
    refusal = assert_refused(post_raw(api_server, dialect, raw), dialect, 400, None)
    assert refusal.code == "invalid_json"
    assert "request body holds more than 10000 values" in refusal.message


# ---------------------------------------------------------- long integers, invalid Unicode

LONG = "digits; at most 100 are accepted"
NOT_UNICODE = "is not valid Unicode (a lone surrogate"


def value(dialect: Dialect, fields: dict[str, str], param: str, phrase: str, name: str) -> Any:
    return pytest.param(dialect, fields, param, phrase, id=name)


HOSTILE_VALUES = [
    value(APIMART, {"seed": "9" * 5000}, "seed", LONG, "apimart seed 5000 digits"),
    value(APIMART, {"duration": "-" + "4" * 4301}, "duration", LONG, "negative 4301 digits"),
    value(KYY, {"resolution": "7" * 5000}, "resolution", LONG, "kyy resolution"),
    value(KYY, {"extra": "1" + "0" * 5000}, "extra", LONG, "unknown field"),
    value(APIMART, {"extra": '{"a": [1, ' + "2" * 101 + "]}"}, "extra.a[1]", LONG, "nested"),
    value(KYY, {"prompt": '"\\ud800"'}, "prompt", NOT_UNICODE, "kyy prompt"),
    value(APIMART, {"prompt": '"a cat \\udfff"'}, "prompt", NOT_UNICODE, "low half"),
    value(APIMART, {"negative_prompt": '"\\ud800"'}, "negative_prompt", NOT_UNICODE, "negative"),
    # negative_prompt is no kyy field, but every field is fingerprinted: refused all the same
    value(KYY, {"negative_prompt": '"\\ud800"'}, "negative_prompt", NOT_UNICODE, "kyy unknown"),
    value(KYY, {"model": '"\\udc00"'}, "model", NOT_UNICODE, "kyy model"),
    value(
        APIMART,
        {"first_frame_image": '"data:image/png;base64,\\ud800"'},
        "first_frame_image",
        NOT_UNICODE,
        "apimart image",
    ),
    value(
        KYY,
        {"input_reference": '["https://example.com/a.png", "\\udbff"]'},
        "input_reference[1]",
        NOT_UNICODE,
        "kyy reference list",
    ),
    value(
        APIMART, {"extra": '{"deep": [{"x": "\\ud800"}]}'}, "extra.deep[0].x", NOT_UNICODE, "deep"
    ),
]


@pytest.mark.parametrize(("dialect", "fields", "param", "phrase"), HOSTILE_VALUES)
def test_hostile_values_are_a_400_naming_the_field(
    api_server: ServerProcess, dialect: Dialect, fields: dict[str, str], param: str, phrase: str
) -> None:
    response = post_raw(api_server, dialect, dialect.raw_body(**fields))
    assert phrase in assert_refused(response, dialect, 400, param).message


def test_a_100_digit_integer_is_read_and_judged_by_its_value(api_server: ServerProcess) -> None:
    response = post_raw(api_server, APIMART, APIMART.raw_body(seed="9" * 100))
    assert "between 0 and 4294967295" in assert_refused(response, APIMART, 400, "seed").message


@by_name
def test_a_lone_surrogate_in_a_key_is_a_400(api_server: ServerProcess, dialect: Dialect) -> None:
    response = post_raw(api_server, dialect, dialect.raw_body(extra='{"\\ud800": 1}'))
    assert response.status_code == 400
    refusal = dialect.refusal(response)
    assert refusal.param == "extra.\\ud800"
    assert "key is not valid Unicode" in refusal.message


@by_name
def test_surrogate_pairs_are_text(api_server: ServerProcess, dialect: Dialect) -> None:
    response = post_raw(api_server, dialect, dialect.raw_body(prompt='"a cat \\ud83d\\ude00"'))
    assert response.status_code == 200, response.text


@by_name
def test_a_body_that_is_not_utf8_is_a_400(api_server: ServerProcess, dialect: Dialect) -> None:
    for raw in (b'{"prompt": "\xed\xa0\x80"}', json.dumps(dialect.base).encode("utf-16")):
        refusal = assert_refused(post_raw(api_server, dialect, raw), dialect, 400, None)
        assert refusal.code == "invalid_json"
        assert "UTF-8" in refusal.message


# --------------------------------------------------------------------------- free text


FREE_TEXT = [(KYY, "prompt"), (APIMART, "prompt"), (APIMART, "negative_prompt")]
free_text = pytest.mark.parametrize(
    ("dialect", "field"), FREE_TEXT, ids=[f"{d.name} {f}" for d, f in FREE_TEXT]
)


@free_text
@pytest.mark.parametrize(
    "text",
    ["a\x00b", "\x1b[2J\x1b[31mred", "bell\x07", "del\x7f", "next\x85line", "lone\rreturn"],
    ids=["NUL", "ESC", "BEL", "DEL", "C1 NEL", "lone CR"],
)
def test_control_characters_in_free_text_are_a_400(
    api_server: ServerProcess, dialect: Dialect, field: str, text: str
) -> None:
    refusal = assert_refused(post_json(api_server, dialect, {field: text}), dialect, 400, field)
    assert "control characters" in refusal.message
    assert refusal.code == "invalid_parameter"


@free_text
def test_line_breaks_and_tabs_are_text(
    api_server: ServerProcess, dialect: Dialect, field: str
) -> None:
    response = post_json(api_server, dialect, {field: "one\ntwo\r\nthree\tfour"})
    assert response.status_code == 200, response.text


@free_text
def test_free_text_is_at_most_4000_characters(
    api_server: ServerProcess, dialect: Dialect, field: str
) -> None:
    refusal = assert_refused(
        post_json(api_server, dialect, {field: "n" * 4001}), dialect, 400, field
    )
    assert "at most 4000" in refusal.message
    assert post_json(api_server, dialect, {field: " " + "n" * 4000 + " "}).status_code == 200


def test_negative_prompt_must_be_a_string(api_server: ServerProcess) -> None:
    assert_refused(
        post_json(api_server, APIMART, {"negative_prompt": 5}), APIMART, 400, "negative_prompt"
    )


@by_name
def test_control_characters_in_an_image_url_are_a_400(
    api_server: ServerProcess, dialect: Dialect
) -> None:
    field = IMAGE_FIELD[dialect.name]
    response = post_json(api_server, dialect, {field: "https://example.com/a\x00.png"})
    assert "control characters" in assert_refused(response, dialect, 400, field).message
