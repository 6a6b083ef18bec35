"""Webhook endpoints and deliveries as the admin API shows them (never a signing secret)."""

from __future__ import annotations

from datetime import UTC, datetime

from veogate.admin.schemas import DeliveryView, EndpointView
from veogate.delivery.receivers_repository import Endpoint
from veogate.delivery.repository import Delivery, DeliveryState
from veogate.jobs.lifecycle import event_public_id


def endpoint_view(endpoint: Endpoint) -> EndpointView:
    return EndpointView(
        id=endpoint.id,
        key=endpoint.owner_key_id,
        url=endpoint.url,
        event_types=list(endpoint.event_types),
        description=endpoint.description,
        state=endpoint.state,
        disabled_reason=endpoint.disabled_reason,
        created_at=endpoint.created_at,
    )


def delivery_view(delivery: Delivery) -> DeliveryView:
    pending = delivery.state is DeliveryState.PENDING
    return DeliveryView(
        id=delivery.id,
        event_id=event_public_id(delivery.event_seq),
        event_type=delivery.event_type,
        job_id=delivery.job_id,
        key=delivery.owner_key_id,
        endpoint_id=delivery.endpoint_id,
        url=delivery.url,
        state=delivery.state.value,
        attempts=delivery.attempts,
        next_attempt_at=datetime.fromtimestamp(delivery.next_at, UTC) if pending else None,
        created_at=delivery.created_at,
        finished_at=delivery.finished_at,
        last_status=delivery.last_status,
        last_error=delivery.last_error,
    )
