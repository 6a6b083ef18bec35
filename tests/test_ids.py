"""Job ids: one ULID, a spelling per dialect, every spelling resolves to the same ref."""

from __future__ import annotations

import pytest

from veogate.ids import IdForm, ref_of

KYY = IdForm("vgen")
APIMART = IdForm("task", upper=True)
BARE = IdForm("")


def test_each_form_spells_the_same_ref() -> None:
    job_id = APIMART.new()
    ref = ref_of(job_id)
    assert ref is not None
    assert len(ref) == 26
    assert ref == ref.lower()
    assert job_id == f"task_{ref.upper()}"
    assert KYY.render(job_id) == f"vgen_{ref}"
    assert BARE.render(job_id) == ref
    assert ref.isalnum()
    for spelling in (KYY.render(job_id), BARE.render(job_id), f"vgen{ref}", ref.upper()):
        assert ref_of(spelling) == ref
    assert APIMART.render(KYY.render(job_id)) == job_id


@pytest.mark.parametrize(
    "value",
    [
        "",
        "task_",
        "task_01JD",  # too short
        "task_01JDXYZ0000000000000000U",  # U is not Crockford base32
        "a-b_01jd0000000000000000000000",  # the prefix is letters only
        "x" * 20 + "_01jd0000000000000000000000",  # the prefix is at most 16 letters
        "../../01jd0000000000000000000000",
        "key_01jd0000000000000000000000\x00",
    ],
)
def test_what_is_not_a_spelling_has_no_ref(value: str) -> None:
    assert ref_of(value) is None


def test_render_leaves_a_foreign_value_alone() -> None:
    assert KYY.render("not-an-id") == "not-an-id"
