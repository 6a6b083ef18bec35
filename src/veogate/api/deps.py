"""FastAPI dependencies, as `Annotated` aliases named after what they give."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.auth.keys import Caller as CallerIdentity
from veogate.auth.keys import api_key_hash, bearer_hash, caller_for
from veogate.auth.repository import ApiKeyRepository
from veogate.db.transactions import scoped
from veogate.pipeline.runtime import Launcher
from veogate.wiring import Services


# Dependencies are `async def` even when they do not await: FastAPI runs a plain `def`
# dependency in a worker thread, a thread hop on every request of the hottest paths.
async def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def _launcher(request: Request) -> Launcher:
    launcher: Launcher = request.app.state.launcher
    return launcher


ServicesDep = Annotated[Services, Depends(_services)]
LauncherDep = Annotated[Launcher, Depends(_launcher)]


async def _session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    async with scoped(services.sessions) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session)]


async def _caller(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> CallerIdentity:
    return await _caller_by_hash(request, bearer_hash(authorization))


async def _google_caller(request: Request) -> CallerIdentity:
    # Read from the raw request: declared `Header`/`Query` parameters would show up as
    # optional fields of every Google route's OpenAPI entry and cost a validation each.
    secret_hash = api_key_hash(
        api_key_header=request.headers.get("x-goog-api-key"),
        query_key=request.query_params.get("key"),
        authorization=request.headers.get("authorization"),
    )
    return await _caller_by_hash(request, secret_hash)


async def _caller_by_hash(request: Request, secret_hash: str) -> CallerIdentity:
    # Services are taken from the app, not through `ServicesDep`: each nested dependency
    # costs a round of FastAPI's solver on every request.
    services: Services = request.app.state.services

    async def look_up() -> CallerIdentity:
        async with scoped(services.sessions) as session:
            return await caller_for(ApiKeyRepository(session), secret_hash)

    return await services.callers.get(secret_hash, look_up)


Caller = Annotated[CallerIdentity, Depends(_caller)]


async def _creator(caller: Caller, services: ServicesDep) -> CallerIdentity:
    services.rate_limiter.check(caller.key_id)
    return caller


Creator = Annotated[CallerIdentity, Depends(_creator)]
"""The caller of a create request, within its rate limit."""
GoogleCaller = Annotated[CallerIdentity, Depends(_google_caller)]
"""The caller, by a key sent Google's way (`x-goog-api-key`, `?key=` or a bearer token)."""


async def _google_creator(caller: GoogleCaller, services: ServicesDep) -> CallerIdentity:
    services.rate_limiter.check(caller.key_id)
    return caller


GoogleCreator = Annotated[CallerIdentity, Depends(_google_creator)]
"""`GoogleCaller` of a create request, within its rate limit."""
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


@dataclass(frozen=True)
class Auth:
    """How a dialect's clients send their key: the dependencies that find the caller of a
    read, and of a create (within its rate limit)."""

    caller: Callable[..., Awaitable[CallerIdentity]]
    creator: Callable[..., Awaitable[CallerIdentity]]


BEARER = Auth(caller=_caller, creator=_creator)
"""`Authorization: Bearer KEY`."""
GOOGLE = Auth(caller=_google_caller, creator=_google_creator)
"""Google's ways: `x-goog-api-key`, `?key=` or a bearer token."""
