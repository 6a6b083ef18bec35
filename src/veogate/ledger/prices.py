"""What a job costs: the catalog's price tables (with the operator's overrides applied when
the catalog was loaded) turned into a quote. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from veogate.catalog.catalog import AUDIO_PRICE, Catalog
from veogate.jobs.model import JobSpec
from veogate.ledger.money import to_micros


@dataclass(frozen=True)
class Quote:
    """The most a job can cost: every second of every sample it asked for."""

    unit: int
    """Micro-credits per second of output, audio included."""
    seconds: float
    """Seconds of output asked for: duration x samples."""

    @property
    def amount(self) -> int:
        return round(self.unit * self.seconds)

    def charge(self, delivered_seconds: float) -> int:
        """What `delivered_seconds` cost at this quote's price: never more than reserved."""
        return round(self.unit * min(delivered_seconds, self.seconds))


def unit_price(catalog: Catalog, canonical: str, resolution: str, audio: bool) -> int:
    """Micro-credits per second of `canonical` at `resolution`, with or without sound."""
    table = catalog.canonical[canonical].price
    per_second = table[resolution] + (table.get(AUDIO_PRICE, 0.0) if audio else 0.0)
    return to_micros(per_second)


def price_sheet(catalog: Catalog, canonical: str, resolutions: Iterable[str]) -> dict[str, Any]:
    """The prices of `canonical` at `resolutions`, as clients are shown them (credits)."""
    table = catalog.canonical[canonical].price
    return {
        "unit": "credits_per_second",
        "per_second": {resolution: table[resolution] for resolution in resolutions},
        "audio_per_second": table.get(AUDIO_PRICE, 0.0),
    }


def quote(catalog: Catalog, spec: JobSpec) -> Quote:
    return Quote(
        unit=unit_price(catalog, spec.canonical_model, spec.resolution, spec.generate_audio),
        seconds=float(spec.duration_seconds * spec.sample_count),
    )
