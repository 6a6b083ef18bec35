"""Admin keys: made by `veogate admin create-key` (the secret is shown once), stored as
SHA-256 like customers' keys (`auth/keys.py`), checked on every admin request.

They live in a table of their own, so a customer key can never be one: the admin routes look
only there, and the dialects' routes never look there. Admin keys are not cached: an
operator's revoke takes effect on the next request, and admin traffic is light.
"""

from __future__ import annotations

from dataclasses import dataclass

from veogate.admin.keys_repository import AdminKeyRepository
from veogate.auth.keys import KEY_PREFIX, bearer_secret, hash_secret, new_key_fields
from veogate.db.tables import AdminKeyRow
from veogate.errors import Forbidden, Unauthorized

ADMIN_KEY_PREFIX = "vga_"


@dataclass(frozen=True)
class AdminCaller:
    """The admin key that authenticated a request."""

    key_id: str
    name: str


@dataclass(frozen=True)
class CreatedAdminKey:
    id: str
    name: str
    secret: str


async def create_admin_key(repo: AdminKeyRepository, name: str) -> CreatedAdminKey:
    fields, secret = new_key_fields("adm", ADMIN_KEY_PREFIX, name)
    row = AdminKeyRow(**fields)
    await repo.add(row)
    return CreatedAdminKey(id=row.id, name=name, secret=secret)


def admin_secret(authorization: str | None) -> str:
    """The secret in `Authorization: Bearer <admin key>`: 401 without one, 403 for a key
    spelled as a customer's (`vg_...`), which can never be an admin key."""
    return refuse_customer_key(bearer_secret(authorization, "admin key"))


def refuse_customer_key(secret: str) -> str:
    """`secret`, unless it is spelled as a customer's key (`vg_...`): 403 then."""
    if secret.startswith(KEY_PREFIX):
        raise Forbidden(
            "a customer API key cannot use the admin API: create an admin key with "
            "`veogate admin create-key`"
        )
    return secret


async def admin_caller_for(repo: AdminKeyRepository, secret: str) -> AdminCaller:
    """The active admin key `secret`, or 401."""
    row = await repo.by_hash(hash_secret(secret))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("unknown or revoked admin key")
    return AdminCaller(key_id=row.id, name=row.name)
