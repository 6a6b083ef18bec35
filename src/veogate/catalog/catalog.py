"""The catalog as typed data, loaded from TOML. No I/O beyond reading the file."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from veogate.jobs.model import AspectRatio, Resolution

ImageMode = Literal["text", "first", "first+last", "reference"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ResolutionDurationRule(_Frozen):
    resolutions: tuple[Resolution, ...]
    durations: tuple[int, ...]


class ReferenceModeRule(_Frozen):
    durations: tuple[int, ...]
    aspect_ratios: tuple[AspectRatio, ...]


class Rules(_Frozen):
    aspect_ratios: tuple[AspectRatio, ...]
    fps: int
    resolution_durations: tuple[ResolutionDurationRule, ...] = ()
    reference_mode: ReferenceModeRule


AUDIO_PRICE = "audio"
"""The key of a price table that is added per second when the output has sound."""


class CanonicalModel(_Frozen):
    upstream: dict[str, str]
    estimated_seconds: int
    price: dict[str, float]
    """Credits per second of output: one entry per resolution, and `audio` (added per second
    when the output has sound; 0 when absent)."""


class PublicModel(_Frozen):
    name: str
    dialect: str
    canonical: str
    resolutions: tuple[Resolution, ...]
    durations: tuple[int, ...]
    image_modes: tuple[ImageMode, ...]
    max_reference_images: int = Field(ge=0)
    audio: Literal["on", "as_requested"]


class Catalog(_Frozen):
    rules: Rules
    geometry: dict[Resolution, dict[AspectRatio, tuple[int, int]]]
    canonical: dict[str, CanonicalModel]
    models: dict[str, PublicModel]

    def model(self, name: str, dialect: str) -> PublicModel | None:
        found = self.models.get(name)
        return found if found is not None and found.dialect == dialect else None

    def model_names(self, dialect: str) -> list[str]:
        return [m.name for m in self.models.values() if m.dialect == dialect]

    def names_of(self, canonical: str) -> frozenset[str]:
        """Every public name, in any dialect, of the canonical model `canonical`."""
        return frozenset(m.name for m in self.models.values() if m.canonical == canonical)

    def frame_size(self, resolution: Resolution, aspect_ratio: AspectRatio) -> tuple[int, int]:
        return self.geometry[resolution][aspect_ratio]


def load_catalog(
    path: Path | None = None, prices: dict[str, dict[str, float]] | None = None
) -> Catalog:
    """Read the catalog from `path`, or the one shipped with veogate; `prices` (canonical
    model -> entries) replace entries of its price tables (`VEOGATE_PRICES`)."""
    if path is None:
        raw = resources.files("veogate.catalog").joinpath("models.toml").read_text("utf-8")
    else:
        raw = path.read_text("utf-8")
    data = tomllib.loads(raw)
    for canonical_name, entries in (prices or {}).items():
        if canonical_name not in data.get("canonical", {}):
            raise ValueError(f"prices: unknown canonical model {canonical_name!r}")
        data["canonical"][canonical_name]["price"].update(entries)
    for name, model in data.get("models", {}).items():
        model["name"] = name
    catalog = Catalog.model_validate(data)
    for name, canonical in catalog.canonical.items():
        unpriced = set(catalog.geometry) - set(canonical.price)
        if unpriced or any(value < 0 for value in canonical.price.values()):
            raise ValueError(
                f"catalog: canonical {name} needs a price >= 0 for every resolution "
                f"(missing: {', '.join(sorted(unpriced)) or 'none'})"
            )
    for model in catalog.models.values():
        if model.canonical not in catalog.canonical:
            raise ValueError(
                f"catalog: model {model.name} names unknown canonical {model.canonical}"
            )
    return catalog
