"""Managing webhooks: API keys' endpoints, their secrets, and deliveries by hand.

The use cases behind `veogate webhooks ...` (and, later, the admin API). Knows no HTTP and
never commits: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from veogate.delivery.receivers_repository import Endpoint, ReceiverRepository
from veogate.delivery.repository import Delivery, DeliveryRepository, DeliveryState
from veogate.delivery.signing import new_secret
from veogate.delivery.targets import check_webhook_url
from veogate.errors import InvalidRequest, NotFound
from veogate.ids import new_id
from veogate.jobs.lifecycle import EventType
from veogate.media.outbound import AddressGate

DEFAULT_EVENTS = tuple(kind.value for kind in EventType if kind.terminal)
"""What an endpoint gets unless told otherwise: the end of each job."""
MAX_DESCRIPTION_CHARS = 200


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: Endpoint
    secret: str
    """Shown once when made (and by `rotate-secret`); receivers verify signatures with it."""


def event_filter(names: Iterable[str] | None) -> tuple[str, ...]:
    """Event type names (`job.succeeded`, ... or `all`) as an endpoint's filter, in the
    lifecycle's order; the terminal events when none are given."""
    wanted = {name.strip() for name in names or () if name.strip()}
    if not wanted:
        return DEFAULT_EVENTS
    if "all" in wanted:
        return tuple(kind.value for kind in EventType)
    known = {kind.value for kind in EventType}
    unknown = sorted(wanted - known)
    if unknown:
        raise InvalidRequest(
            f"unknown event types: {', '.join(unknown)} (known: {', '.join(known)}, or all)",
            param="events",
        )
    return tuple(kind.value for kind in EventType if kind.value in wanted)


class WebhookService:
    def __init__(self, session: AsyncSession, gate: AddressGate) -> None:
        self.receivers = ReceiverRepository(session)
        self.deliveries = DeliveryRepository(session)
        self.gate = gate

    # ------------------------------------------------------------------ endpoints

    async def add(
        self,
        key_id: str,
        url: str,
        *,
        events: Iterable[str] | None = None,
        description: str | None = None,
    ) -> NewEndpoint:
        if not await self.receivers.key_exists(key_id):
            raise NotFound(f"no API key {key_id!r}", param="key")
        if description is not None and len(description) > MAX_DESCRIPTION_CHARS:
            raise InvalidRequest(
                f"description: at most {MAX_DESCRIPTION_CHARS} characters", param="description"
            )
        endpoint = Endpoint(
            id=new_id("whep"),
            owner_key_id=key_id,
            url=check_webhook_url(url, self.gate, field="url"),
            event_types=event_filter(events),
            description=description,
            created_at=datetime.now(UTC),
        )
        secret = new_secret()
        await self.receivers.add_endpoint(endpoint, secret)
        return NewEndpoint(endpoint, secret)

    async def endpoints(self, key_id: str | None = None) -> list[Endpoint]:
        return await self.receivers.endpoints(key_id)

    async def remove(self, endpoint_id: str) -> Endpoint:
        """Remove for good; its pending deliveries are given up."""
        endpoint = await self.endpoint(endpoint_id)
        now = datetime.now(UTC)
        await self.receivers.remove_endpoint(endpoint_id, now)
        await self.deliveries.stop_endpoint(endpoint_id, "endpoint removed", now)
        return endpoint

    async def enable(self, endpoint_id: str) -> bool:
        """Enable again an endpoint a 410 disabled; False if it was not disabled."""
        await self.endpoint(endpoint_id)
        return await self.receivers.enable_endpoint(endpoint_id)

    async def disable(self, endpoint_id: str, reason: str) -> bool:
        """Stop sending to an endpoint until it is enabled again; its pending deliveries are
        given up (an operator may redeliver them). False if it was already disabled."""
        await self.endpoint(endpoint_id)
        now = datetime.now(UTC)
        if not await self.receivers.disable_endpoint(endpoint_id, reason, now):
            return False
        await self.deliveries.stop_endpoint(endpoint_id, f"endpoint disabled: {reason}", now)
        return True

    async def rotate_secret(self, endpoint_id: str) -> str:
        """A new secret, used from the next attempt on; the old one stops at once."""
        await self.endpoint(endpoint_id)
        secret = new_secret()
        await self.receivers.set_endpoint_secret(endpoint_id, secret)
        return secret

    async def key_secret(self, key_id: str) -> str:
        """The secret signing webhooks to URLs the key's requests give (made if none yet)."""
        secrets = await self.receivers.key_secrets([key_id], new_secret)
        if key_id not in secrets:
            raise NotFound(f"no API key {key_id!r}", param="key")
        return secrets[key_id]

    async def endpoint(self, endpoint_id: str) -> Endpoint:
        """The endpoint (not removed), or 404."""
        endpoint = await self.receivers.endpoint(endpoint_id)
        if endpoint is None or endpoint.removed_at is not None:
            raise NotFound(f"no webhook endpoint {endpoint_id!r}", param="endpoint")
        return endpoint

    # ------------------------------------------------------------------ deliveries

    async def listed(
        self,
        *,
        endpoint_id: str | None = None,
        key_id: str | None = None,
        job_id: str | None = None,
        state: DeliveryState | None = None,
        limit: int = 100,
    ) -> list[Delivery]:
        return await self.deliveries.listed(
            endpoint_id=endpoint_id, owner_key_id=key_id, job_id=job_id, state=state, limit=limit
        )

    async def redeliver(self, delivery_id: int) -> Delivery:
        """Send a finished delivery again, with a fresh schedule and the same `webhook-id`."""
        delivery = await self.deliveries.get(delivery_id)
        if delivery is None:
            raise NotFound(f"no delivery {delivery_id}", param="delivery")
        if delivery.endpoint_id is not None:
            endpoint = await self.receivers.endpoint(delivery.endpoint_id)
            if endpoint is None or endpoint.state != "enabled":
                state = "gone" if endpoint is None else endpoint.state
                raise InvalidRequest(
                    f"delivery {delivery_id}: its endpoint {delivery.endpoint_id} is {state}"
                    + (" (`veogate webhooks enable` it first)" if state == "disabled" else ""),
                    param="delivery",
                )
        if not await self.deliveries.redeliver(delivery_id, datetime.now(UTC)):
            raise InvalidRequest(
                f"delivery {delivery_id} is still pending; it will be attempted", param="delivery"
            )
        again = await self.deliveries.get(delivery_id)
        assert again is not None
        return again
