"""`/admin/v1/webhooks/...`: keys' endpoints (enable, disable) and deliveries (list,
redeliver), through the same `WebhookService` as `veogate webhooks`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.admin.routing import admin_router
from veogate.admin.schemas import DeliveryView, EndpointView, Page
from veogate.admin.webhooks import delivery_view, endpoint_view
from veogate.api.deps import ServicesDep, SessionDep
from veogate.db.transactions import transact
from veogate.delivery.endpoints import WebhookService
from veogate.delivery.repository import DeliveryState
from veogate.wiring import Services

router = admin_router("webhooks")
T = TypeVar("T")


class DisableRequest(BaseModel):
    reason: str = Field(default="disabled by an operator", max_length=500)


async def _in_unit(
    services: Services, work: Callable[[WebhookService], Awaitable[T]], what: str
) -> T:
    """`work` on a `WebhookService` in one committed unit of work."""

    async def run(session: AsyncSession) -> T:
        return await work(WebhookService(session, services.webhook_gate))

    return await transact(services.sessions, run, what=f"admin: {what}")


@router.get("/webhooks/endpoints", response_model=Page[EndpointView])
async def list_endpoints(
    session: SessionDep, services: ServicesDep, key: str | None = None
) -> Page[EndpointView]:
    """Endpoints (removed ones aside), oldest first; never their secrets."""
    found = await WebhookService(session, services.webhook_gate).endpoints(key)
    return Page(data=[endpoint_view(e) for e in found])


@router.post("/webhooks/endpoints/{endpoint_id}/enable", response_model=EndpointView)
async def enable_endpoint(endpoint_id: str, services: ServicesDep) -> EndpointView:
    async def enable(service: WebhookService) -> EndpointView:
        await service.enable(endpoint_id)
        return endpoint_view(await service.endpoint(endpoint_id))

    return await _in_unit(services, enable, "enable endpoint")


@router.post("/webhooks/endpoints/{endpoint_id}/disable", response_model=EndpointView)
async def disable_endpoint(
    endpoint_id: str, services: ServicesDep, body: DisableRequest | None = None
) -> EndpointView:
    """No more deliveries to it until enabled; its pending ones are given up."""
    reason = (body or DisableRequest()).reason

    async def disable(service: WebhookService) -> EndpointView:
        await service.disable(endpoint_id, reason)
        return endpoint_view(await service.endpoint(endpoint_id))

    return await _in_unit(services, disable, "disable endpoint")


@router.get("/webhooks/deliveries", response_model=Page[DeliveryView])
async def list_deliveries(
    session: SessionDep,
    services: ServicesDep,
    key: str | None = None,
    state: DeliveryState | None = None,
    job: str | None = None,
    endpoint: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Page[DeliveryView]:
    """Newest first."""
    found = await WebhookService(session, services.webhook_gate).listed(
        endpoint_id=endpoint, key_id=key, job_id=job, state=state, limit=limit
    )
    return Page(data=[delivery_view(d) for d in found])


@router.post("/webhooks/deliveries/{delivery_id}/redeliver", response_model=DeliveryView)
async def redeliver(delivery_id: int, services: ServicesDep) -> DeliveryView:
    """Send a finished delivery again (same `webhook-id`, fresh schedule)."""

    async def again(service: WebhookService) -> DeliveryView:
        return delivery_view(await service.redeliver(delivery_id))

    return await _in_unit(services, again, "redeliver")
