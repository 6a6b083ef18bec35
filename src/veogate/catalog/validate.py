"""The one validator: a dialect-neutral draft in, a `JobSpec` out, or an `InvalidRequest`.

Dialects check JSON types and translate their field names and values; every rule about
what a model can serve lives here and in the catalog data. Errors name the field in the
caller's own dialect through `names` (canonical field -> wire field).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import get_args

from veogate.catalog.catalog import Catalog, ImageMode, PublicModel
from veogate.catalog.frame_size import apply_frame_size
from veogate.catalog.text import control_character
from veogate.errors import InvalidRequest
from veogate.jobs.model import (
    SEED_MAX,
    AspectRatio,
    ImageInput,
    JobSpec,
    PersonGeneration,
    ResizeMode,
    Resolution,
)

MAX_PROMPT_CHARS = 4000
"""For every free-text field (`prompt`, `negative_prompt`), after trimming."""
MAX_SAMPLES = 4
DEFAULT_RESOLUTION: Resolution = "720p"
DEFAULT_ASPECT_RATIO: AspectRatio = "16:9"
_RESOLUTIONS: dict[str, Resolution] = {r.lower(): r for r in get_args(Resolution)}
_MODE_WORDS: dict[ImageMode, str] = {
    "text": "text-to-video",
    "first": "first frame",
    "first+last": "first+last frames",
    "reference": "reference images",
}


@dataclass(frozen=True)
class SpecDraft:
    """What the client asked for, JSON types already checked, values not yet."""

    model: str
    prompt: str
    negative_prompt: str | None = None
    duration_seconds: int | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None
    sample_count: int | None = None
    seed: int | None = None
    generate_audio: bool | None = None
    person_generation: PersonGeneration | None = None
    resize_mode: str | None = None
    enhance_prompt: bool | None = None
    first_frame: ImageInput | None = None
    last_frame: ImageInput | None = None
    reference_images: tuple[ImageInput, ...] = field(default_factory=tuple)
    frame_size: tuple[int, int] | None = None
    """`(width, height)` asked for instead of `resolution` and `aspect_ratio`."""


class _Checker:
    def __init__(self, catalog: Catalog, dialect: str, names: Mapping[str, str]) -> None:
        self.catalog = catalog
        self.dialect = dialect
        self.names = names

    def name(self, canonical: str) -> str:
        return self.names.get(canonical, canonical)

    def fail(self, canonical: str, message: str, code: str = "invalid_parameter") -> InvalidRequest:
        return InvalidRequest(message, code=code, param=self.name(canonical))

    def model(self, draft: SpecDraft) -> PublicModel:
        model = self.catalog.model(draft.model, self.dialect)
        if model is None:
            offered = ", ".join(self.catalog.model_names(self.dialect))
            raise self.fail(
                "model",
                f"model {draft.model!r} is not offered (offered: {offered})",
                "invalid_model",
            )
        return model

    def prompt(self, draft: SpecDraft) -> str:
        prompt = self.text("prompt", draft.prompt)
        if prompt is None:
            raise self.fail(
                "prompt", f"{self.name('prompt')} must not be empty", "missing_parameter"
            )
        return prompt

    def text(self, canonical: str, value: str | None) -> str | None:
        """Free text (prompt, negative_prompt): trimmed, at most `MAX_PROMPT_CHARS`, no
        control characters but line breaks and tabs; None when absent or blank."""
        name = self.name(canonical)
        text = (value or "").strip()
        if not text:
            return None
        if (found := control_character(text, prose=True)) is not None:
            raise self.fail(
                canonical,
                f"{name} must not contain control characters (found {found}); "
                "only line breaks and tabs are allowed",
            )
        if len(text) > MAX_PROMPT_CHARS:
            raise self.fail(
                canonical,
                f"{name} has {len(text)} characters; at most {MAX_PROMPT_CHARS} are allowed",
            )
        return text

    def resolution(self, draft: SpecDraft, model: PublicModel) -> Resolution:
        raw = draft.resolution if draft.resolution is not None else DEFAULT_RESOLUTION
        resolution = _RESOLUTIONS.get(raw.lower())
        if resolution is None:
            raise self.fail(
                "resolution",
                f"resolution {raw!r} is not valid (valid: {', '.join(_RESOLUTIONS.values())})",
                "invalid_resolution",
            )
        if resolution not in model.resolutions:
            raise self.fail(
                "resolution",
                f"resolution {resolution} is not offered by model {model.name} "
                f"(offered: {', '.join(model.resolutions)})",
                "invalid_resolution",
            )
        return resolution

    def aspect_ratio(self, draft: SpecDraft) -> AspectRatio:
        raw = draft.aspect_ratio if draft.aspect_ratio is not None else DEFAULT_ASPECT_RATIO
        for allowed in self.catalog.rules.aspect_ratios:
            if raw == allowed:
                return allowed
        raise self.fail(
            "aspect_ratio",
            f"aspect_ratio {raw!r} is not valid "
            f"(valid: {', '.join(self.catalog.rules.aspect_ratios)})",
            "invalid_aspect_ratio",
        )

    def duration(self, draft: SpecDraft, model: PublicModel, resolution: Resolution) -> int:
        duration = (
            draft.duration_seconds if draft.duration_seconds is not None else max(model.durations)
        )
        if duration not in model.durations:
            offered = ", ".join(str(d) for d in model.durations)
            raise self.fail(
                "duration",
                f"duration {duration} is not offered by model {model.name} (offered: {offered})",
                "invalid_duration",
            )
        for rule in self.catalog.rules.resolution_durations:
            if resolution in rule.resolutions and duration not in rule.durations:
                allowed = " or ".join(str(d) for d in rule.durations)
                raise self.fail(
                    "duration",
                    f"resolution {resolution} requires duration {allowed} (got {duration})",
                    "invalid_duration",
                )
        return duration

    def images(
        self, draft: SpecDraft, model: PublicModel, aspect: AspectRatio, duration: int
    ) -> None:
        refs = draft.reference_images
        if refs and (draft.first_frame is not None or draft.last_frame is not None):
            frame_field = "first_frame" if draft.first_frame is not None else "last_frame"
            raise self.fail(
                "reference_images",
                f"{self.name('reference_images')} (reference images) cannot be combined with "
                f"{self.name(frame_field)} (frame images): choose one mode",
                "conflicting_parameters",
            )
        if draft.last_frame is not None and draft.first_frame is None:
            raise self.fail(
                "last_frame",
                f"{self.name('last_frame')} requires {self.name('first_frame')}",
                "missing_parameter",
            )
        mode: ImageMode = (
            "reference"
            if refs
            else "first+last"
            if draft.last_frame
            else "first"
            if draft.first_frame
            else "text"
        )
        mode_field = {
            "reference": "reference_images",
            "first+last": "last_frame",
            "first": "first_frame",
        }
        if mode not in model.image_modes:
            supported = ", ".join(_MODE_WORDS[m] for m in model.image_modes)
            raise self.fail(
                mode_field.get(mode, "model"),
                f"model {model.name} does not support {_MODE_WORDS[mode]} "
                f"({self.name(mode_field.get(mode, 'model'))}); it supports: {supported}",
                "unsupported_mode",
            )
        if mode == "reference":
            self.reference_rules(len(refs), model, aspect, duration)

    def reference_rules(
        self, count: int, model: PublicModel, aspect: AspectRatio, duration: int
    ) -> None:
        field_name = self.name("reference_images")
        if count > model.max_reference_images:
            raise self.fail(
                "reference_images",
                f"{field_name} has {count} images; model {model.name} accepts at most "
                f"{model.max_reference_images}",
            )
        rule = self.catalog.rules.reference_mode
        if aspect not in rule.aspect_ratios:
            raise self.fail(
                "aspect_ratio",
                f"reference images ({field_name}) require aspect_ratio "
                f"{' or '.join(rule.aspect_ratios)} (got {aspect})",
                "invalid_aspect_ratio",
            )
        if duration not in rule.durations:
            raise self.fail(
                "duration",
                f"reference images ({field_name}) require duration "
                f"{' or '.join(str(d) for d in rule.durations)} (got {duration})",
                "invalid_duration",
            )

    def bounded(self, canonical: str, value: int | None, low: int, high: int, default: int) -> int:
        if value is None:
            return default
        if not low <= value <= high:
            raise self.fail(
                canonical, f"{self.name(canonical)} must be between {low} and {high} (got {value})"
            )
        return value

    def resize_mode(self, draft: SpecDraft) -> ResizeMode:
        raw = draft.resize_mode if draft.resize_mode is not None else "pad"
        if raw == "pad":
            return "pad"
        if raw == "crop":
            return "crop"
        raise self.fail(
            "resize_mode", f"{self.name('resize_mode')} must be 'pad' or 'crop' (got {raw!r})"
        )


def validate(
    draft: SpecDraft,
    *,
    catalog: Catalog,
    dialect: str,
    default_seed: int,
    names: Mapping[str, str] | None = None,
) -> JobSpec:
    """Check `draft` against the catalog; return the canonical `JobSpec`."""
    draft = apply_frame_size(draft, catalog, names or {})
    check = _Checker(catalog, dialect, names or {})
    model = check.model(draft)
    prompt = check.prompt(draft)
    resolution = check.resolution(draft, model)
    aspect = check.aspect_ratio(draft)
    duration = check.duration(draft, model, resolution)
    check.images(draft, model, aspect, duration)
    audio = True if model.audio == "on" else bool(draft.generate_audio)
    return JobSpec(
        public_model=model.name,
        canonical_model=model.canonical,
        prompt=prompt,
        negative_prompt=check.text("negative_prompt", draft.negative_prompt),
        duration_seconds=duration,
        aspect_ratio=aspect,
        resolution=resolution,
        sample_count=check.bounded("sample_count", draft.sample_count, 1, MAX_SAMPLES, 1),
        seed=check.bounded("seed", draft.seed, 0, SEED_MAX, default_seed),
        generate_audio=audio,
        person_generation=draft.person_generation or "allow_adult",
        resize_mode=check.resize_mode(draft),
        enhance_prompt=True if draft.enhance_prompt is None else draft.enhance_prompt,
        first_frame=draft.first_frame,
        last_frame=draft.last_frame,
        reference_images=draft.reference_images,
    )
