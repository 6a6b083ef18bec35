"""API keys: created once (the secret is shown once), stored as SHA-256, verified per request.

Keys are 256-bit random tokens, so a fast hash is the right tool (no password stretching
needed): a stolen table reveals nothing usable.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from veogate.auth.repository import ApiKeyRepository
from veogate.db.tables import ApiKeyRow
from veogate.errors import Unauthorized
from veogate.ids import new_id
from veogate.ledger.repository import LedgerRepository
from veogate.ledger.service import credit

KEY_PREFIX = "vg_"


@dataclass(frozen=True)
class Caller:
    """Who is calling: the API key that authenticated the request."""

    key_id: str
    name: str


@dataclass(frozen=True)
class CreatedKey:
    id: str
    name: str
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_key(
    repo: ApiKeyRepository, name: str, *, credits: int | None = None, actor: str = "system"
) -> CreatedKey:
    """A new key. With `credits` (micro-credits, may be 0) it is metered and its ledger
    opens with a top-up of that much (by `actor`); without, it is unmetered."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    row = ApiKeyRow(
        id=new_id("key"),
        name=name,
        prefix=secret[:10],
        secret_hash=hash_secret(secret),
        created_at=now,
        revoked_at=None,
        metered=credits is not None,
        balance=0,
    )
    await repo.add(row)
    if credits:
        await credit(
            LedgerRepository(repo.session),
            row.id,
            "top_up",
            credits,
            actor=actor,
            note=None,
            now=now,
        )
    return CreatedKey(id=row.id, name=name, secret=secret)


def bearer_hash(authorization: str | None) -> str:
    """The stored form of the key in an `Authorization: Bearer <key>` header, or 401."""
    if not authorization:
        raise Unauthorized("missing Authorization header: send 'Authorization: Bearer <api key>'")
    scheme, _, secret = authorization.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise Unauthorized("Authorization header must be 'Bearer <api key>'")
    return hash_secret(secret)


def api_key_hash(
    *, api_key_header: str | None, query_key: str | None, authorization: str | None
) -> str:
    """The stored form of a key sent Google's way: `x-goog-api-key`, `?key=` or
    `Authorization: Bearer`, tried in that order; 401 when none is sent."""
    for secret in (api_key_header, query_key):
        if secret is not None and secret.strip():
            return hash_secret(secret.strip())
    if not authorization:
        raise Unauthorized(
            "missing API key: send it in the x-goog-api-key header, the key query parameter "
            "or 'Authorization: Bearer <api key>'"
        )
    return bearer_hash(authorization)


async def caller_for(repo: ApiKeyRepository, secret_hash: str) -> Caller:
    """The active key stored as `secret_hash`, or 401."""
    row = await repo.by_hash(secret_hash)
    if row is None or row.revoked_at is not None:
        raise Unauthorized("unknown or revoked API key")
    return Caller(key_id=row.id, name=row.name)
