"""The only code that branches on provider names. Imports are lazy: an unused provider's
dependencies are never loaded."""

from __future__ import annotations

from veogate.config import Settings
from veogate.providers.base import VideoProvider

PROVIDER_NAMES = ("preview",)


def build_provider(name: str, settings: Settings) -> VideoProvider:
    if name == "preview":
        from veogate.providers.preview import PreviewProvider

        return PreviewProvider()
    raise ValueError(f"unknown provider {name!r} (known: {', '.join(PROVIDER_NAMES)})")


class ProviderRegistry:
    """Which provider serves which canonical model."""

    def __init__(
        self, providers: dict[str, VideoProvider], routes: dict[str, str], default: str
    ) -> None:
        self._providers = providers
        self._routes = routes
        self._default = default

    def name_for(self, canonical_model: str) -> str:
        return self._routes.get(canonical_model, self._default)

    def get(self, name: str) -> VideoProvider:
        return self._providers[name]

    def describe(self) -> dict[str, str]:
        return dict(self._routes)
