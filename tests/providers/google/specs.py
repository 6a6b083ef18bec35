"""Specs and encodings shared by the Google provider tests."""

from __future__ import annotations

import base64
from typing import Any

from veogate.jobs.model import ImageInput, JobSpec


def make_spec(**fields: Any) -> JobSpec:
    values: dict[str, Any] = {
        "public_model": "veo_3_1_pro",
        "canonical_model": "veo-3.1",
        "prompt": "a lighthouse at dusk",
        "seed": 1234,
    }
    values.update(fields)
    return JobSpec(**values)


def frames_spec(**fields: Any) -> JobSpec:
    return make_spec(
        first_frame=ImageInput(source="data:,", field="first_image"),
        last_frame=ImageInput(source="data:,", field="last_image"),
        **fields,
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
