"""A frame size (`1280x720`) asked for instead of a resolution and an aspect ratio.

Some clients name the output by its pixels. The size must be one the catalog's geometry
lists; it then stands for that resolution and aspect ratio, and must agree with either of
them when they are sent too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

from veogate.catalog.catalog import Catalog
from veogate.errors import InvalidRequest
from veogate.jobs.model import AspectRatio, Resolution

if TYPE_CHECKING:
    from veogate.catalog.validate import SpecDraft


def geometry_of(catalog: Catalog, size: tuple[int, int]) -> tuple[Resolution, AspectRatio] | None:
    """The resolution and aspect ratio whose frame is `size`, if the catalog has one."""
    for resolution, by_aspect in catalog.geometry.items():
        for aspect, frame in by_aspect.items():
            if tuple(frame) == size:
                return resolution, aspect
    return None


def offered_sizes(catalog: Catalog, resolutions: tuple[Resolution, ...]) -> list[str]:
    """Every `WxH` the catalog lists for `resolutions`, in catalog order."""
    return [
        f"{width}x{height}"
        for resolution in resolutions
        for width, height in catalog.geometry.get(resolution, {}).values()
    ]


def apply_frame_size(draft: SpecDraft, catalog: Catalog, names: Mapping[str, str]) -> SpecDraft:
    """`draft` with the resolution and aspect ratio its `frame_size` stands for."""
    if draft.frame_size is None:
        return draft
    name = names.get("frame_size", "frame_size")
    width, height = draft.frame_size
    found = geometry_of(catalog, draft.frame_size)
    if found is None:
        offered = ", ".join(offered_sizes(catalog, tuple(catalog.geometry)))
        raise InvalidRequest(
            f"{name} {width}x{height} is not an offered frame size (offered: {offered})",
            param=name,
        )
    resolution, aspect = found
    if draft.resolution is not None and draft.resolution.lower() != resolution.lower():
        raise _conflict(name, f"{width}x{height}", "resolution", draft.resolution, resolution)
    if draft.aspect_ratio is not None and draft.aspect_ratio != aspect:
        raise _conflict(name, f"{width}x{height}", "aspect_ratio", draft.aspect_ratio, aspect)
    return dataclasses.replace(draft, resolution=resolution, aspect_ratio=aspect, frame_size=None)


def _conflict(name: str, size: str, other: str, given: str, implied: str) -> InvalidRequest:
    return InvalidRequest(
        f"{name} {size} means {other} {implied}, but {other} {given!r} was sent too; "
        f"send one or make them agree",
        code="conflicting_parameters",
        param=name,
    )
