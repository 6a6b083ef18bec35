"""A receiver that hangs until the timeout on every call delays no other receiver, and the
outbound address policy keeps webhooks away from loopback, private and metadata addresses."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from tests.delivery.conftest import MakeNode
from tests.support.receivers import Reply, WebhookReceiver, always
from veogate.delivery.repository import DeliveryState
from veogate.errors import InvalidRequest


async def test_a_hanging_receiver_delays_no_one_else(make_node: MakeNode, sqlite_url: str) -> None:
    await _hanging_receiver(make_node, sqlite_url, timeout=1.5, waves=3, per_wave=4)


@pytest.mark.slow
async def test_a_receiver_hanging_past_the_default_15_s(
    make_node: MakeNode, sqlite_url: str
) -> None:
    await _hanging_receiver(make_node, sqlite_url, timeout=15.0, waves=2, per_wave=2)


async def _hanging_receiver(
    make_node: MakeNode, sqlite_url: str, *, timeout: float, waves: int, per_wave: int
) -> None:
    """Jobs end in waves while one receiver hangs on every call: the other receiver gets
    each job's end within a second; the hanging one holds at most its host's share of
    attempts at once, each of which fails at the timeout and is tried again (after the
    others waiting for that host: the oldest due go first)."""
    node = await make_node(sqlite_url, webhook_timeout_seconds=timeout)
    cap = node.settings.webhook_host_concurrency
    finished_at: dict[str, float] = {}
    with WebhookReceiver(always(Reply(delay=60))) as stuck, WebhookReceiver() as healthy:
        key = await node.key()
        await node.endpoint(key, stuck.url())
        await node.endpoint(key, healthy.url())
        for _ in range(waves):
            jobs = await node.jobs(key, per_wave)
            began = time.monotonic()
            await node.finish([j.id for j in jobs])
            assert time.monotonic() - began < 1.0  # writing job state is not held up either
            finished_at.update(dict.fromkeys((j.id for j in jobs), time.monotonic()))
            await asyncio.sleep(0.5)
        got = await healthy.arrival(waves * per_wave, timeout=20)
        stuck_early = [r for r in stuck.requests() if r.at < min(finished_at.values()) + timeout]
        give_up = time.monotonic() + (waves * per_wave / cap + 2) * timeout
        while max(Counter(stuck.ids()).values()) < 2 and time.monotonic() < give_up:
            await asyncio.sleep(0.1)  # until one webhook-id comes again, after its timeout
        tried_again = Counter(stuck.ids())
        stuck_deliveries = [d for d in await node.deliveries() if d.url == stuck.url()]

    late = {r.json()["data"]["id"]: r.at - finished_at[r.json()["data"]["id"]] for r in got}
    assert len(late) == waves * per_wave
    assert max(late.values()) < 1.0, sorted(late.values())[-5:]
    # The stuck receiver held at most its host's share of attempts at once.
    assert 1 <= len(stuck_early) <= cap
    timed_out = [d for d in stuck_deliveries if d.last_error]
    assert timed_out
    assert all(f"did not answer within {timeout:g}s" in (d.last_error or "") for d in timed_out)
    assert all(d.state is DeliveryState.PENDING for d in stuck_deliveries)
    assert max(tried_again.values()) >= 2


RESOLVE = {
    "hooks.test": ["127.0.0.1"],
    "meta.test": ["169.254.169.254"],
    "inside.test": ["10.1.2.3"],
    "mixed.test": ["93.184.216.34", "192.168.1.9"],
}


async def test_a_refused_target_is_never_contacted(make_node: MakeNode, sqlite_url: str) -> None:
    node = await make_node(sqlite_url, webhook_allow_cidrs=[], image_fetch_resolve=RESOLVE)
    with WebhookReceiver() as receiver:
        key = await node.key()
        for host in RESOLVE:  # names pass when added: only an attempt resolves them
            await node.endpoint(key, receiver.url(host=host))
        [job] = await node.jobs(key, callback_url=receiver.url(host="hooks.test"))
        await node.finish([job.id])
        found = await node.deliveries_until(
            lambda d: len(d) == 5 and {x.state for x in d} == {DeliveryState.FAILED}
        )
    assert receiver.requests() == []
    errors = {d.url.split("/")[2].split(":")[0]: d.last_error or "" for d in found}
    assert "a loopback address" in errors["hooks.test"]
    assert "a cloud metadata address" in errors["meta.test"]
    assert "a private address" in errors["inside.test"]
    assert "192.168.1.9, a private address" in errors["mixed.test"]
    for delivery in found:
        assert delivery.attempts == 1
        assert delivery.last_status is None
        assert (delivery.last_error or "").startswith("refused by the outbound address policy")


async def test_a_name_that_does_not_resolve_is_tried_again(
    make_node: MakeNode, sqlite_url: str
) -> None:
    node = await make_node(sqlite_url, image_fetch_resolve=RESOLVE)
    key = await node.key()
    await node.endpoint(key, "http://nowhere.test:8443/hook")
    [job] = await node.jobs(key)
    await node.finish([job.id])
    [delivery] = await node.deliveries_until(
        lambda d: bool(d) and d[0].state is DeliveryState.FAILED
    )
    assert delivery.attempts == len(node.settings.webhook_retry_schedule)
    assert "could not be resolved" in (delivery.last_error or "")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://169.254.169.254/latest", "a cloud metadata address"),
        ("http://10.0.0.1/hook", "a private address"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://localhost/hook", "a loopback address"),
        ("http://127.0.0.1/hook", "a loopback address"),
        ("ftp://example.com/hook", "absolute http(s) URL"),
        ("/relative/hook", "absolute"),
        ("https://user:secret@example.com/hook", "credentials"),
        ("https://example.com:22/hook", "port 22 is not allowed"),
        ("https://example.com/" + "a" * 2040, "at most 2048"),
        ("https://exa mple.com/hook", "valid"),
        ("https://example.com/\x07", "control characters"),
    ],
)
async def test_adding_an_endpoint_refuses_what_needs_no_dns(
    make_node: MakeNode, sqlite_url: str, url: str, words: str
) -> None:
    node = await make_node(
        sqlite_url, start=False, webhook_allow_cidrs=[], webhook_allowed_ports=None
    )
    key = await node.key()
    with pytest.raises(InvalidRequest) as refused:
        await node.endpoint(key, url)
    assert refused.value.param == "url"
    assert words in refused.value.message


async def test_the_allow_list_lets_loopback_through(make_node: MakeNode, sqlite_url: str) -> None:
    node = await make_node(sqlite_url, start=False)  # allow-list: 127.0.0.0/8
    key = await node.key()
    url = "http://127.0.0.1:9000/hook"
    assert (await node.endpoint(key, url)).endpoint.url == url
    # `localhost` is also ::1, which is not on the list (an attempt would be refused too).
    with pytest.raises(InvalidRequest):
        await node.endpoint(key, "http://localhost:9000/hook")
    both = await make_node(sqlite_url, start=False, webhook_allow_cidrs=["127.0.0.0/8", "::1"])
    assert (await both.endpoint(key, "http://localhost:9000/hook")).endpoint.state == "enabled"
