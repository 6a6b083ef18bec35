"""What receivers get, and what their answers do: signatures, filters, per-request URLs,
retries, Retry-After, 410, redirects, the schedule running out, and redelivery."""

from __future__ import annotations

import asyncio
import base64
import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests.delivery.conftest import MakeNode
from tests.support.receivers import Reply, WebhookReceiver, always
from veogate.delivery.repository import Delivery, DeliveryState
from veogate.jobs.lifecycle import event_public_id
from veogate.jobs.model import JobStatus


def _states(deliveries: list[Delivery]) -> set[DeliveryState]:
    return {d.state for d in deliveries}


def _all(state: DeliveryState, count: int = 1):  # type: ignore[no-untyped-def]
    return lambda found: len(found) >= count and _states(found) == {state}


async def test_a_signed_webhook_reaches_the_endpoint(
    make_node: MakeNode, database_url: str
) -> None:
    node = await make_node(database_url)
    with WebhookReceiver() as receiver:
        key = await node.key()
        endpoint = await node.endpoint(key, receiver.url())
        [job] = await node.jobs(key)
        await node.finish([job.id])
        [request] = await receiver.arrival(1)
        [delivery] = await node.deliveries_until(_all(DeliveryState.DELIVERED))

    assert endpoint.secret.startswith("whsec_")
    assert len(base64.b64decode(endpoint.secret.removeprefix("whsec_"))) == 32
    body = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert body["type"] == "job.succeeded"
    assert body["timestamp"].endswith("Z")
    assert body["data"]["id"] == job.id
    assert body["data"]["status"] == "completed"  # kyy's words, as a status read says them
    assert "/files/" in body["data"]["video_url"]
    assert request.webhook_id == event_public_id(delivery.event_seq)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("veogate-webhooks/")
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 60
    assert (delivery.attempts, delivery.last_status, delivery.last_error) == (1, 200, None)

    tampered_body = request.body.replace(b"completed", b"cancelled")
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(tampered_body, request.headers)
    later = str(int(request.headers["webhook-timestamp"]) + 1)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(
            request.body, {**request.headers, "webhook-timestamp": later}
        )
    with pytest.raises(WebhookVerificationError):
        Webhook(await node.key_secret(key)).verify(request.body, request.headers)


async def test_endpoints_get_the_events_their_filter_names(
    make_node: MakeNode, sqlite_url: str
) -> None:
    node = await make_node(sqlite_url)
    with WebhookReceiver() as ends, WebhookReceiver() as everything, WebhookReceiver() as other:
        key, stranger = await node.key("mine"), await node.key("stranger")
        await node.endpoint(key, ends.url())
        await node.endpoint(key, everything.url(), ["all"])
        await node.endpoint(stranger, other.url())
        jobs = await node.jobs(key, 3)
        await node.finish([jobs[0].id])
        await node.finish([jobs[1].id], JobStatus.FAILED)
        await node.finish([jobs[2].id], JobStatus.CANCELLED)
        ended = await ends.arrival(3)
        seen = await everything.arrival(9)
        await node.deliveries_until(_all(DeliveryState.DELIVERED, 3 + 9))

    assert sorted(r.json()["type"] for r in ended) == [
        "job.cancelled",
        "job.failed",
        "job.succeeded",
    ]
    by_job: dict[str, list[str]] = {}
    for request in seen:
        by_job.setdefault(request.json()["data"]["id"], []).append(request.json()["type"])
    assert by_job[jobs[0].id] == ["job.queued", "job.started", "job.succeeded"]
    assert by_job[jobs[1].id] == ["job.queued", "job.started", "job.failed"]
    assert by_job[jobs[2].id] == ["job.queued", "job.started", "job.cancelled"]
    assert other.requests() == []


async def test_a_callback_url_gets_the_end_signed_with_the_keys_secret(
    make_node: MakeNode, sqlite_url: str
) -> None:
    node = await make_node(sqlite_url)
    with WebhookReceiver() as receiver:
        key = await node.key()
        [job] = await node.jobs(key, dialect="apimart", callback_url=receiver.url("/cb?order=7"))
        await node.finish([job.id], JobStatus.FAILED)
        [request] = await receiver.arrival(1)
        await asyncio.sleep(0.5)  # nothing else comes

    secret = await node.key_secret(key)  # made on first need, by the sender
    assert secret.startswith("whsec_")
    body = Webhook(secret).verify(request.body, request.headers)
    assert request.path == "/cb?order=7"
    assert body["type"] == "job.failed"
    assert body["data"] == {"code": 200, "data": body["data"]["data"]}  # apimart's shape
    assert body["data"]["data"]["status"] == "failed"
    assert len(receiver.requests()) == 1
    [delivery] = await node.deliveries()
    assert delivery.endpoint_id is None
    assert await node.key_secret(key) == secret  # made once


async def test_a_500_is_retried_with_the_same_id(make_node: MakeNode, sqlite_url: str) -> None:
    node = await make_node(sqlite_url)
    script = lambda _r, index: Reply(500, body=b"busy") if index == 0 else Reply(204)  # noqa: E731
    with WebhookReceiver(script) as receiver:
        key = await node.key()
        endpoint = await node.endpoint(key, receiver.url())
        [job] = await node.jobs(key)
        await node.finish([job.id])
        first, second = await receiver.arrival(2)
        [delivery] = await node.deliveries_until(_all(DeliveryState.DELIVERED))

    assert first.webhook_id == second.webhook_id
    assert first.body == second.body or first.json()["type"] == second.json()["type"]
    for request in (first, second):
        Webhook(endpoint.secret).verify(request.body, request.headers)
    assert (delivery.attempts, delivery.last_status, delivery.last_error) == (2, 204, None)


@pytest.mark.parametrize(
    "reply",
    [Reply(429, headers={"Retry-After": "2"}), Reply(503, headers={"Retry-After": "2"})],
    ids=["429", "503"],
)
async def test_retry_after_is_honoured(make_node: MakeNode, sqlite_url: str, reply: Reply) -> None:
    node = await make_node(sqlite_url)  # the schedule would try again after 0.2 s
    script = lambda _r, index: reply if index == 0 else Reply(200)  # noqa: E731
    with WebhookReceiver(script) as receiver:
        key = await node.key()
        await node.endpoint(key, receiver.url())
        [job] = await node.jobs(key)
        await node.finish([job.id])
        first, second = await receiver.arrival(2, timeout=10)
    assert second.at - first.at >= 1.9


async def test_410_disables_the_endpoint_and_stops_what_was_pending(
    make_node: MakeNode, sqlite_url: str
) -> None:
    # One attempt per host at a time: the other deliveries wait while the first one is out.
    node = await make_node(sqlite_url, webhook_host_concurrency=1)
    with WebhookReceiver(always(Reply(410, delay=0.3))) as gone, WebhookReceiver() as fine:
        key = await node.key()
        endpoint = await node.endpoint(key, gone.url())
        await node.endpoint(key, fine.url())
        jobs = await node.jobs(key, 3)
        await node.finish([j.id for j in jobs])
        failed = await node.deliveries_until(
            _all(DeliveryState.FAILED, 3), endpoint_id=endpoint.endpoint.id
        )
        [later] = await node.jobs(key)
        await node.finish([later.id])
        await fine.arrival(4)
        await asyncio.sleep(0.5)

    assert len(gone.requests()) == 1
    endpoints = {e.id: e for e in await node.db(lambda s: node.service(s).endpoints(key))}
    disabled = endpoints[endpoint.endpoint.id]
    assert disabled.state == "disabled"
    assert "410" in (disabled.disabled_reason or "")
    answered = [d for d in failed if d.last_status == 410]
    assert len(answered) == 1
    assert answered[0].attempts == 1
    stopped = [d for d in failed if d.last_status is None]
    assert len(stopped) == 2
    assert all((d.last_error or "").startswith("endpoint disabled: ") for d in stopped)
    # The later job's end was not even fanned out to the disabled endpoint.
    assert len(await node.deliveries(endpoint_id=endpoint.endpoint.id)) == 3


async def test_410_from_a_callback_url_stops_that_delivery_only(
    make_node: MakeNode, sqlite_url: str
) -> None:
    node = await make_node(sqlite_url)
    with WebhookReceiver(always(Reply(410))) as gone:
        key = await node.key()
        jobs = await node.jobs(key, 2, callback_url=gone.url())
        await node.finish([j.id for j in jobs])
        found = await node.deliveries_until(_all(DeliveryState.FAILED, 2))
    assert len(gone.requests()) == 2
    assert {(d.attempts, d.last_status) for d in found} == {(1, 410)}


async def test_a_dropped_connection_is_retried(make_node: MakeNode, sqlite_url: str) -> None:
    node = await make_node(sqlite_url)
    script = lambda _r, index: Reply(drop=True) if index == 0 else Reply(200)  # noqa: E731
    with WebhookReceiver(script) as receiver:
        key = await node.key()
        await node.endpoint(key, receiver.url())
        [job] = await node.jobs(key)
        await node.finish([job.id])
        first, second = await receiver.arrival(2)
        [delivery] = await node.deliveries_until(_all(DeliveryState.DELIVERED))
    assert first.webhook_id == second.webhook_id
    assert delivery.attempts == 2


async def test_redirects_are_not_followed(make_node: MakeNode, sqlite_url: str) -> None:
    node = await make_node(sqlite_url, webhook_retry_schedule=[0])
    with WebhookReceiver() as elsewhere:
        moved = Reply(307, headers={"Location": elsewhere.url()})
        with WebhookReceiver(always(moved)) as receiver:
            key = await node.key()
            await node.endpoint(key, receiver.url())
            [job] = await node.jobs(key)
            await node.finish([job.id])
            [delivery] = await node.deliveries_until(_all(DeliveryState.FAILED))
    assert elsewhere.requests() == []
    assert delivery.last_status == 307
    assert "redirects are not followed" in (delivery.last_error or "")


async def test_the_schedule_runs_out_then_an_operator_redelivers(
    make_node: MakeNode, sqlite_url: str
) -> None:
    node = await make_node(sqlite_url)  # four attempts: at once, then 0.2 s apart
    healthy = False
    script = lambda _r, _i: Reply(200) if healthy else Reply(500, body=b"down")  # noqa: E731
    with WebhookReceiver(script) as receiver:
        key = await node.key()
        await node.endpoint(key, receiver.url())
        [job] = await node.jobs(key)
        await node.finish([job.id])
        [failed] = await node.deliveries_until(_all(DeliveryState.FAILED))
        assert (failed.attempts, failed.last_status) == (4, 500)
        assert failed.last_error == "HTTP 500: down (gave up after 4 attempts)"
        assert len(receiver.requests()) == 4

        healthy = True
        again = await node.db(lambda s: node.service(s).redeliver(failed.id))
        assert again.state is DeliveryState.PENDING
        [delivered] = await node.deliveries_until(_all(DeliveryState.DELIVERED))
    assert len({r.webhook_id for r in receiver.requests()}) == 1
    assert (delivered.attempts, delivered.last_status) == (1, 200)


async def test_a_later_event_waits_for_the_earlier_ones_delivery(
    make_node: MakeNode, sqlite_url: str
) -> None:
    node = await make_node(sqlite_url)
    first_fails = lambda r, index: Reply(500) if index == 0 else Reply(200)  # noqa: E731
    with WebhookReceiver(first_fails) as receiver:
        key = await node.key()
        await node.endpoint(key, receiver.url(), ["all"])
        [job] = await node.jobs(key)
        await node.finish([job.id])
        got = await receiver.arrival(4)
    assert [r.json()["type"] for r in got] == [
        "job.queued",
        "job.queued",
        "job.started",
        "job.succeeded",
    ]
