"""The only code that branches on provider names. Imports are lazy: an unused provider's
dependencies (google-genai, say) are never loaded.

Names: a *pool* (`preview`, `google`) is what a canonical model is routed to; its
*members* are the concrete providers, one per credential (`google-gemini-0`,
`google-vertex-1`, ...), each with its own queue limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from veogate.catalog import Catalog
from veogate.config import Settings
from veogate.jobs.model import JobSpec
from veogate.providers.base import VideoProvider
from veogate.providers.remote import RemoteVideoProvider

POOLS = ("preview", "google")


@dataclass(frozen=True)
class Member:
    """One concrete provider: either renders locally or drives a remote operation."""

    name: str
    concurrency: int
    """Jobs of this member run at once per worker (for a remote one: being submitted)."""
    requests_per_minute: int | None = None
    max_in_flight: int | None = None
    """Submitted operations not yet done (remote members)."""
    local: VideoProvider | None = None
    remote: RemoteVideoProvider | None = None
    kind: str = "local"
    """What sort of credential this is (`local`, `gemini-api-key`, `vertex-project`)."""
    description: str = "renders on this machine"
    """Which credential, for operators: never its secret."""

    def prepare(self, spec: JobSpec) -> tuple[str, ...]:
        """Warnings to record on a job this member will run (raises if it cannot)."""
        return self.remote.prepare(spec).warnings if self.remote is not None else ()


class ProviderRegistry:
    """Which pool serves which canonical model, and the members of each pool."""

    def __init__(
        self, members: list[Member], pools: dict[str, list[str]], routes: dict[str, str]
    ) -> None:
        self._members = {m.name: m for m in members}
        self._pools = pools
        self._routes = routes

    def pool_for(self, canonical_model: str) -> list[str]:
        return self._pools[self._routes[canonical_model]]

    def has(self, name: str) -> bool:
        return name in self._members

    def member(self, name: str) -> Member:
        return self._members[name]

    def members(self) -> list[Member]:
        return list(self._members.values())

    def local(self, name: str) -> VideoProvider:
        provider = self._members[name].local
        if provider is None:
            raise KeyError(f"{name} is not a local provider")
        return provider

    def remote(self, name: str) -> RemoteVideoProvider:
        provider = self._members[name].remote
        if provider is None:
            raise KeyError(f"{name} is not a remote provider")
        return provider

    def pools(self) -> dict[str, list[str]]:
        """pool -> the names of its members."""
        return {pool: list(names) for pool, names in self._pools.items()}

    def routes(self) -> dict[str, str]:
        """canonical model -> the pool that serves it."""
        return dict(self._routes)

    def member_names(self, name: str) -> list[str]:
        """The members a pool name stands for, or `[name]` for any other name."""
        return list(self._pools.get(name, [name]))

    def describe(self) -> dict[str, str]:
        """canonical model -> pool (and its members), for logs and /healthz."""
        return {
            model: f"{pool} ({', '.join(self._pools[pool])})"
            for model, pool in self._routes.items()
        }


def _preview(settings: Settings) -> list[Member]:
    from veogate.providers.preview import PreviewProvider

    provider = PreviewProvider(niceness=settings.render_niceness)
    return [Member("preview", settings.render_concurrency, local=provider)]


def _google(settings: Settings, catalog: Catalog) -> list[Member]:
    from veogate.providers.google.client import GeminiApiHost, GoogleVeoProvider, VertexHost

    def model_ids(host: str) -> dict[str, str]:
        ids = {name: model.upstream[host] for name, model in catalog.canonical.items()}
        return ids | settings.google_model_ids

    timeout = settings.google_request_timeout_seconds
    polls = settings.poll_concurrency
    members = []
    credentials: list[tuple[str, str]] = []
    for i, key in enumerate(settings.google_api_keys):
        name = f"google-gemini-{i}"
        host = GeminiApiHost(key, settings.google_base_url, timeout_seconds=timeout)
        members.append(
            GoogleVeoProvider(host, model_ids("gemini"), name=name, poll_connections=polls)
        )
        credentials.append(("gemini-api-key", f"Gemini API key #{i + 1}"))
    for i, project in enumerate(settings.vertex_projects):
        name = f"google-vertex-{i}"
        vertex = VertexHost(
            project.project,
            project.location,
            credentials=_fixed_token(project.access_token),
            service_account_file=project.credentials_file,
            base_url=settings.google_base_url,
            timeout_seconds=timeout,
        )
        members.append(
            GoogleVeoProvider(vertex, model_ids("vertex"), name=name, poll_connections=polls)
        )
        credentials.append(
            ("vertex-project", f"Vertex AI project {project.project} ({project.location})")
        )
    return [
        Member(
            p.name,
            settings.google_concurrency,
            settings.google_requests_per_minute,
            max_in_flight=settings.google_max_in_flight,
            remote=p,
            kind=kind,
            description=description,
        )
        for p, (kind, description) in zip(members, credentials, strict=True)
    ]


def _fixed_token(token: str | None) -> Any:
    if token is None:
        return None
    from google.oauth2.credentials import Credentials

    return Credentials(token=token)  # type: ignore[no-untyped-call]


def build_registry(settings: Settings, catalog: Catalog) -> ProviderRegistry:
    default = "google" if settings.has_google_credentials else "preview"
    routes = dict.fromkeys(catalog.canonical, default) | settings.routes
    wanted = set(routes.values())
    unknown = wanted - set(POOLS)
    if unknown:
        raise ValueError(
            f"VEOGATE_ROUTES names unknown providers {sorted(unknown)} (known: {POOLS})"
        )
    members: list[Member] = []
    pools: dict[str, list[str]] = {}
    if "preview" in wanted:
        members += _preview(settings)
        pools["preview"] = ["preview"]
    if "google" in wanted:
        if not settings.has_google_credentials:
            raise ValueError(
                "VEOGATE_ROUTES sends models to google, but no VEOGATE_GOOGLE_API_KEYS or "
                "VEOGATE_VERTEX_PROJECTS are configured"
            )
        google = _google(settings, catalog)
        members += google
        pools["google"] = [m.name for m in google]
    return ProviderRegistry(members, pools, routes)
