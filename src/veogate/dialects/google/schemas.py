"""The `predictLongRunning` body (`instances` + `parameters`), read into a draft.

Every field the body may hold is read or refused by name: an unknown parameter, a
second instance or a Cloud Storage image is a 400 naming the field, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from veogate.catalog import SpecDraft
from veogate.dialects.google.images import ImageReader
from veogate.dialects.wire import WireReader, describe
from veogate.errors import InvalidRequest
from veogate.ids import IdForm
from veogate.jobs.model import ImageInput, PersonGeneration

GEMINI = "gemini"
VERTEX = "vertex"
ID_FORM = IdForm("")
"""Operation ids are the bare lowercase job ref (any spelling of a job's id is accepted)."""

INSTANCE = "instances[0]"
FIELD_NAMES = {
    "model": "model",
    "prompt": f"{INSTANCE}.prompt",
    "first_frame": f"{INSTANCE}.image",
    "last_frame": f"{INSTANCE}.lastFrame",
    "reference_images": f"{INSTANCE}.referenceImages",
    "negative_prompt": "parameters.negativePrompt",
    "duration": "parameters.durationSeconds",
    "aspect_ratio": "parameters.aspectRatio",
    "resolution": "parameters.resolution",
    "sample_count": "parameters.sampleCount",
    "seed": "parameters.seed",
    "resize_mode": "parameters.resizeMode",
}
_INSTANCE_FIELDS = ("prompt", "image", "lastFrame", "referenceImages")
_PARAMETERS = (
    "aspectRatio",
    "resolution",
    "durationSeconds",
    "negativePrompt",
    "personGeneration",
    "sampleCount",
    "enhancePrompt",
    "seed",
    "generateAudio",
    "resizeMode",
)
VERTEX_ONLY_PARAMETERS = ("storageUri", "compressionQuality")
_PERSON: dict[str, PersonGeneration] = {
    "allow_all": "allow_all",
    "allow_adult": "allow_adult",
    "dont_allow": "dont_allow",
}
# The SDK's enums send these upper case (`ALLOW_ADULT`, `CROP`); both spellings are Google's.
_PERSON_CHOICES = {spelled: name for name in _PERSON for spelled in (name, name.upper())}
_RESIZE_CHOICES = {"pad": "pad", "crop": "crop", "PAD": "pad", "CROP": "crop"}


@dataclass(frozen=True)
class VertexOptions:
    """What a Vertex AI request asks about delivery rather than about the video."""

    storage_uri: str | None = None
    """`parameters.storageUri`: answer video URLs instead of inline bytes (nothing is
    written to the bucket it names)."""
    compression_quality: str | None = None
    """`parameters.compressionQuality`: accepted and ignored (named in the job's warnings)."""

    def warnings(self) -> tuple[str, ...]:
        if self.compression_quality is None:
            return ()
        return (
            f"parameters.compressionQuality={self.compression_quality} is ignored: veogate "
            "keeps the video as generated",
        )


def _object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidRequest(f"{name} must be a JSON object, got {describe(value)}", param=name)
    return value


def _refuse_unknown(body: dict[str, Any], known: tuple[str, ...], prefix: str) -> None:
    for key in body:
        if key not in known:
            raise InvalidRequest(
                f"{prefix}{key} is not a field veogate accepts here (accepted: {', '.join(known)})",
                param=f"{prefix}{key}",
            )


def _instance(body: dict[str, Any]) -> dict[str, Any]:
    instances = body.get("instances")
    if not isinstance(instances, list) or len(instances) != 1:
        shown = describe(instances) if not isinstance(instances, list) else f"{len(instances)}"
        raise InvalidRequest(
            f"instances must be an array of exactly one instance (got {shown})",
            code="missing_parameter" if instances is None else "invalid_parameter",
            param="instances",
        )
    instance = _object(instances[0], INSTANCE)
    _refuse_unknown(instance, _INSTANCE_FIELDS, f"{INSTANCE}.")
    return instance


def _parameters(body: dict[str, Any], dialect: str) -> dict[str, Any]:
    raw = body.get("parameters")
    parameters = {} if raw is None else _object(raw, "parameters")
    if dialect == GEMINI:
        for name in VERTEX_ONLY_PARAMETERS:
            if name in parameters:
                raise InvalidRequest(
                    f"parameters.{name} is a Vertex AI parameter; the Gemini API does not "
                    "accept it",
                    param=f"parameters.{name}",
                )
        _refuse_unknown(parameters, _PARAMETERS, "parameters.")
    else:
        _refuse_unknown(parameters, _PARAMETERS + VERTEX_ONLY_PARAMETERS, "parameters.")
    return parameters


def _references(instance: dict[str, Any]) -> tuple[ImageInput, ...]:
    name = f"{INSTANCE}.referenceImages"
    value = instance.get("referenceImages")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidRequest(f"{name} must be an array, got {describe(value)}", param=name)
    images = []
    for index, item in enumerate(value):
        field = f"{name}[{index}]"
        reference = _object(item, field)
        _refuse_unknown(reference, ("image", "referenceType"), f"{field}.")
        kind = WireReader(reference).string("referenceType")
        if kind is not None and kind.lower() != "asset":
            raise InvalidRequest(
                f"{field}.referenceType must be 'asset' (got {kind!r}): Veo 3.1 takes "
                "asset references only",
                param=f"{field}.referenceType",
            )
        image = ImageReader(reference, field).read("image", required=True)
        assert image is not None
        images.append(image)
    return tuple(images)


def _prefixed(wire: WireReader, prefix: str) -> WireReader:
    """A reader whose error messages name fields as `parameters.x` (`instances[0].x`)."""
    return WireReader({f"{prefix}{key}": value for key, value in wire.body.items()})


def vertex_options(body: dict[str, Any]) -> VertexOptions:
    """The delivery options of a create body (Vertex AI only; the Gemini API refuses them)."""
    raw = body.get("parameters")
    params = _prefixed(WireReader(raw if isinstance(raw, dict) else {}), "parameters.")
    return VertexOptions(
        storage_uri=params.string("parameters.storageUri"),
        compression_quality=params.string("parameters.compressionQuality"),
    )


def read_create(body: dict[str, Any], dialect: str) -> tuple[SpecDraft, dict[str, str]]:
    """Parse a create body (with the path's model as `model`). Returns the draft and the
    field names to report errors with."""
    _refuse_unknown(body, ("model", "instances", "parameters"), "")
    instance = _instance(body)
    params = _prefixed(WireReader(_parameters(body, dialect)), "parameters.")
    vertex_options(body)  # their types, checked before anything is queued
    prompt = _prefixed(WireReader(instance), f"{INSTANCE}.").string(f"{INSTANCE}.prompt")
    images = ImageReader(instance, INSTANCE)
    person = params.choice("parameters.personGeneration", _PERSON_CHOICES)
    audio = params.boolean("parameters.generateAudio")
    draft = SpecDraft(
        model=str(body["model"]),
        prompt=prompt or "",
        negative_prompt=params.string("parameters.negativePrompt"),
        duration_seconds=params.integer(
            "parameters.durationSeconds", code="invalid_duration", rule="an integer (4, 6 or 8)"
        ),
        aspect_ratio=params.string("parameters.aspectRatio", code="invalid_aspect_ratio"),
        resolution=params.string("parameters.resolution", code="invalid_resolution"),
        sample_count=params.integer("parameters.sampleCount", rule="an integer (1 to 4)"),
        seed=params.integer("parameters.seed", rule="an integer (0 to 4294967295)"),
        # Google generates audio unless told not to (the Gemini API always does).
        generate_audio=True if audio is None else audio,
        person_generation=None if person is None else _PERSON[person],
        resize_mode=params.choice("parameters.resizeMode", _RESIZE_CHOICES),
        enhance_prompt=params.boolean("parameters.enhancePrompt"),
        first_frame=images.read("image"),
        last_frame=images.read("lastFrame"),
        reference_images=_references(instance),
    )
    return draft, dict(FIELD_NAMES)
