"""The apimart create request, read off the wire into a dialect-neutral draft."""

from __future__ import annotations

from typing import Any

from veogate.catalog import SpecDraft
from veogate.dialects.wire import WireReader
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


def read_create(body: dict[str, Any]) -> tuple[SpecDraft, dict[str, str]]:
    wire = WireReader(body)
    names = dict(FIELD_NAMES)
    model = wire.string("model", required=True)
    prompt = wire.string("prompt", required=True)
    assert model is not None
    assert prompt is not None
    duration = wire.integer("duration", code="invalid_duration", rule="an integer (4, 6 or 8)")
    person = wire.choice("person_generation", PERSON_GENERATION)
    draft = SpecDraft(
        model=model,
        prompt=prompt,
        negative_prompt=wire.string("negative_prompt"),
        duration_seconds=duration,
        aspect_ratio=wire.string("aspect_ratio", code="invalid_aspect_ratio"),
        resolution=wire.string("resolution", code="invalid_resolution"),
        sample_count=_sample_count(wire, names),
        seed=wire.integer("seed", rule="an integer (0 to 4294967295)"),
        generate_audio=wire.boolean("generate_audio"),
        person_generation=None if person is None else _PERSON[person],
        resize_mode=wire.choice("resize_mode", {"pad": "pad", "crop": "crop"}),
        enhance_prompt=wire.boolean("enhance_prompt"),
        first_frame=wire.image("first_frame_image"),
        last_frame=wire.image("last_frame_image"),
    )
    return draft, names


def read_callback(body: dict[str, Any]) -> tuple[str, str] | None:
    """`callback_url`: where to send the job's terminal event (a webhook)."""
    url = WireReader(body).string("callback_url")
    return None if url is None else ("callback_url", url)
