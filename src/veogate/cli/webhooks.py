"""`veogate webhooks ...`: API keys' endpoints, signing secrets, and deliveries by hand."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from veogate.config import Settings
from veogate.db.engine import create_engine, session_factory
from veogate.db.migrate import upgrade
from veogate.db.transactions import transact
from veogate.delivery.endpoints import WebhookService
from veogate.delivery.receivers_repository import Endpoint
from veogate.delivery.repository import Delivery, DeliveryState
from veogate.errors import InvalidRequest, VeogateError
from veogate.jobs.lifecycle import event_public_id
from veogate.wiring import build_webhook_gate


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """One `veogate webhooks` command in one unit of work; errors are printed, exit 1."""
    await asyncio.to_thread(upgrade, settings.resolved_database_url)
    engine = create_engine(settings.resolved_database_url)
    gate = build_webhook_gate(settings)

    async def work(session: AsyncSession) -> list[str]:
        return await _command(args, WebhookService(session, gate))

    try:
        lines = await transact(
            session_factory(engine), work, what=f"webhooks {args.webhooks_command}"
        )
    except VeogateError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    for line in lines:
        print(line)
    return 0


async def _command(args: argparse.Namespace, service: WebhookService) -> list[str]:
    command = args.webhooks_command
    if command == "add":
        events = args.events.split(",") if args.events else None
        made = await service.add(args.key, args.url, events=events, description=args.description)
        return [*_endpoint_card(made.endpoint), f"secret:      {made.secret}"]
    if command == "list":
        return [_endpoint_line(e) for e in await service.endpoints(args.key)]
    if command == "remove":
        return [f"removed {(await service.remove(args.endpoint_id)).id}"]
    if command == "enable":
        changed = await service.enable(args.endpoint_id)
        return [f"{'enabled' if changed else 'already enabled:'} {args.endpoint_id}"]
    if command == "rotate-secret":
        return [await service.rotate_secret(args.endpoint_id)]
    if command == "secret":
        return [await service.key_secret(args.key)]
    if command == "deliveries":
        state = None if args.state is None else _state(args.state)
        found = await service.listed(
            endpoint_id=args.endpoint,
            key_id=args.key,
            job_id=args.job,
            state=state,
            limit=args.limit,
        )
        return [_DELIVERY_HEADER, *(_delivery_line(d) for d in found)]
    again = await service.redeliver(args.delivery_id)
    return [f"delivery {again.id} ({event_public_id(again.event_seq)}) will be sent again"]


def _state(given: str) -> DeliveryState:
    try:
        return DeliveryState(given)
    except ValueError:
        known = ", ".join(state.value for state in DeliveryState)
        raise InvalidRequest(f"--state must be one of {known} (got {given!r})") from None


def _endpoint_card(endpoint: Endpoint) -> list[str]:
    return [
        f"id:          {endpoint.id}",
        f"key:         {endpoint.owner_key_id}",
        f"url:         {endpoint.url}",
        f"events:      {','.join(endpoint.event_types)}",
        f"description: {endpoint.description or ''}",
    ]


def _endpoint_line(endpoint: Endpoint) -> str:
    state = endpoint.state
    if endpoint.disabled_reason and state == "disabled":
        state = f"disabled ({endpoint.disabled_reason})"
    fields = [
        endpoint.id,
        endpoint.owner_key_id,
        state,
        ",".join(endpoint.event_types),
        endpoint.url,
        endpoint.description or "",
    ]
    return "\t".join(fields)


_DELIVERY_HEADER = "\t".join(
    ["id", "state", "attempts", "event", "type", "job", "receiver", "status", "when", "error"]
)


def _delivery_line(delivery: Delivery) -> str:
    if delivery.state is DeliveryState.PENDING:
        when = f"next {datetime.fromtimestamp(delivery.next_at, UTC):%Y-%m-%d %H:%M:%S}Z"
    else:
        finished = delivery.finished_at or delivery.created_at
        when = f"{finished:%Y-%m-%d %H:%M:%S}Z"
    fields = [
        str(delivery.id),
        delivery.state.value,
        str(delivery.attempts),
        event_public_id(delivery.event_seq),
        delivery.event_type,
        delivery.job_id,
        delivery.endpoint_id or f"callback {delivery.url}",
        "" if delivery.last_status is None else str(delivery.last_status),
        when,
        (delivery.last_error or "").replace("\n", " ")[:200],
    ]
    return "\t".join(fields)
