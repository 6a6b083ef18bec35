"""API keys: created once (the secret is shown once), stored as SHA-256, verified per request.

Keys are 256-bit random tokens, so a fast hash is the right tool (no password stretching
needed): a stolen table reveals nothing usable.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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


def new_key_fields(id_prefix: str, secret_prefix: str, name: str) -> tuple[dict[str, Any], str]:
    """The columns of a new key row (API key or admin key) and its secret, shown once."""
    secret = secret_prefix + secrets.token_urlsafe(32)
    fields = {
        "id": new_id(id_prefix),
        "name": name,
        "prefix": secret[:10],
        "secret_hash": hash_secret(secret),
        "created_at": datetime.now(UTC),
        "revoked_at": None,
    }
    return fields, secret


async def create_key(
    repo: ApiKeyRepository, name: str, *, credits: int | None = None, actor: str = "system"
) -> CreatedKey:
    """A new key. With `credits` (micro-credits, may be 0) it is metered and its ledger
    opens with a top-up of that much (by `actor`); without, it is unmetered."""
    fields, secret = new_key_fields("key", KEY_PREFIX, name)
    row = ApiKeyRow(**fields, metered=credits is not None, balance=0)
    await repo.add(row)
    if credits:
        await credit(
            LedgerRepository(repo.session),
            row.id,
            "top_up",
            credits,
            actor=actor,
            note=None,
            now=row.created_at,
        )
    return CreatedKey(id=row.id, name=name, secret=secret)


def bearer_secret(authorization: str | None, what: str = "api key") -> str:
    """The secret in an `Authorization: Bearer <what>` header, or 401."""
    if not authorization:
        raise Unauthorized(f"missing Authorization header: send 'Authorization: Bearer <{what}>'")
    scheme, _, secret = authorization.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise Unauthorized(f"Authorization header must be 'Bearer <{what}>'")
    return secret


def bearer_hash(authorization: str | None) -> str:
    """The stored form of the key in an `Authorization: Bearer <key>` header, or 401."""
    return hash_secret(bearer_secret(authorization))


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
