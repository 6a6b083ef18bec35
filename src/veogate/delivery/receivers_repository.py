"""All SQL for where webhooks go: API keys' endpoints, the URLs requests gave
(`jobs.callback_url`), and the secrets that sign what is sent to them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import ApiKeyRow, JobRow, WebhookEndpointRow
from veogate.jobs.rows import as_utc

_W = cast(Table, WebhookEndpointRow.__table__)
_KEYS = cast(Table, ApiKeyRow.__table__)
_JOBS = cast(Table, JobRow.__table__)
_ENDPOINT_COLUMNS = [column for column in _W.c if column.name != "secret"]


@dataclass(frozen=True)
class Endpoint:
    """A URL one API key's events are sent to (its secret is read only to sign or show)."""

    id: str
    owner_key_id: str
    url: str
    event_types: tuple[str, ...]
    description: str | None
    created_at: datetime
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    removed_at: datetime | None = None

    @property
    def state(self) -> str:
        """`enabled`, `disabled` (by a 410, until enabled again) or `removed` (for good)."""
        if self.removed_at is not None:
            return "removed"
        return "enabled" if self.disabled_at is None else "disabled"

    def wants(self, event_type: str) -> bool:
        return event_type in self.event_types


class ReceiverRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ------------------------------------------------------------------ endpoints

    async def add_endpoint(self, endpoint: Endpoint, secret: str) -> None:
        await self.session.execute(
            insert(_W).values(
                id=endpoint.id,
                owner_key_id=endpoint.owner_key_id,
                url=endpoint.url,
                secret=secret,
                event_types=list(endpoint.event_types),
                description=endpoint.description,
                created_at=endpoint.created_at,
            )
        )

    async def endpoint(self, endpoint_id: str) -> Endpoint | None:
        found = await self.session.execute(select(*_ENDPOINT_COLUMNS).where(_W.c.id == endpoint_id))
        row = found.first()
        return None if row is None else _endpoint(row)

    async def endpoints(
        self, owner_key_id: str | None = None, *, include_removed: bool = False
    ) -> list[Endpoint]:
        query = select(*_ENDPOINT_COLUMNS).order_by(_W.c.created_at, _W.c.id)
        if owner_key_id is not None:
            query = query.where(_W.c.owner_key_id == owner_key_id)
        if not include_removed:
            query = query.where(_W.c.removed_at.is_(None))
        return [_endpoint(row) for row in await self.session.execute(query)]

    async def enabled_endpoints_of(self, owner_key_ids: Sequence[str]) -> list[Endpoint]:
        found = await self.session.execute(
            select(*_ENDPOINT_COLUMNS).where(
                _W.c.owner_key_id.in_(owner_key_ids),
                _W.c.disabled_at.is_(None),
                _W.c.removed_at.is_(None),
            )
        )
        return [_endpoint(row) for row in found]

    async def set_endpoint_secret(self, endpoint_id: str, secret: str) -> bool:
        changed = await self.session.execute(
            update(_W)
            .where(_W.c.id == endpoint_id, _W.c.removed_at.is_(None))
            .values(secret=secret)
        )
        return bool(changed.rowcount)  # type: ignore[attr-defined]

    async def remove_endpoint(self, endpoint_id: str, now: datetime) -> bool:
        return await self._change(endpoint_id, _W.c.removed_at.is_(None), removed_at=now)

    async def disable_endpoint(self, endpoint_id: str, reason: str, now: datetime) -> bool:
        return await self._change(
            endpoint_id, _W.c.disabled_at.is_(None), disabled_at=now, disabled_reason=reason
        )

    async def enable_endpoint(self, endpoint_id: str) -> bool:
        return await self._change(
            endpoint_id,
            _W.c.disabled_at.is_not(None) & _W.c.removed_at.is_(None),
            disabled_at=None,
            disabled_reason=None,
        )

    async def _change(self, endpoint_id: str, condition: Any, **values: Any) -> bool:
        changed = await self.session.execute(
            update(_W).where(_W.c.id == endpoint_id, condition).values(**values)
        )
        return bool(changed.rowcount)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ secrets

    async def endpoint_secrets(self, endpoint_ids: Sequence[str]) -> dict[str, str]:
        found = await self.session.execute(
            select(_W.c.id, _W.c.secret).where(_W.c.id.in_(endpoint_ids))
        )
        return dict(found.all())

    async def key_secrets(self, key_ids: Sequence[str], make: Callable[[], str]) -> dict[str, str]:
        """Each key's secret for the URLs its requests give, made (by `make`) for keys that
        have none yet. A key another transaction gave one first keeps that one."""
        secrets = await self._key_secrets(key_ids)
        missing = [key_id for key_id in key_ids if secrets.get(key_id) is None]
        for key_id in missing:
            await self.session.execute(
                update(_KEYS)
                .where(_KEYS.c.id == key_id, _KEYS.c.webhook_secret.is_(None))
                .values(webhook_secret=make())
            )
        if missing:
            secrets = await self._key_secrets(key_ids)
        return {key_id: secret for key_id, secret in secrets.items() if secret is not None}

    async def _key_secrets(self, key_ids: Sequence[str]) -> dict[str, str | None]:
        found = await self.session.execute(
            select(_KEYS.c.id, _KEYS.c.webhook_secret).where(_KEYS.c.id.in_(key_ids))
        )
        return dict(found.all())

    async def key_exists(self, key_id: str) -> bool:
        found = await self.session.execute(select(_KEYS.c.id).where(_KEYS.c.id == key_id))
        return found.first() is not None

    # ------------------------------------------------------------------ per-request URLs

    async def callback_urls(self, job_ids: Sequence[str]) -> dict[str, str]:
        """The `callback_url` of each of these jobs that has one."""
        found = await self.session.execute(
            select(_JOBS.c.id, _JOBS.c.callback_url).where(
                _JOBS.c.id.in_(job_ids), _JOBS.c.callback_url.is_not(None)
            )
        )
        return dict(found.all())


def _endpoint(row: Any) -> Endpoint:
    return Endpoint(
        id=row.id,
        owner_key_id=row.owner_key_id,
        url=row.url,
        event_types=tuple(row.event_types or ()),
        description=row.description,
        created_at=as_utc(row.created_at),
        disabled_at=None if row.disabled_at is None else as_utc(row.disabled_at),
        disabled_reason=row.disabled_reason,
        removed_at=None if row.removed_at is None else as_utc(row.removed_at),
    )
