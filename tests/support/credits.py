"""Helpers for tests of credits: simultaneous creates, and the ledger's invariants read
straight from the database."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Sequence

import httpx

# One apimart job (720p, 4 s, no audio) costs exactly one credit at these prices.
PRICES = json.dumps({"veo-3.1-fast": {"720p": 0.25, "audio": 0.25}})
ONE_CREDIT_JOB = {
    "model": "veo3.1-fast-official",
    "prompt": "one credit",
    "duration": 4,
    "resolution": "720p",
    "generate_audio": False,
}


async def _race(urls: Sequence[str], secret: str, count: int) -> Counter[int]:
    """`count` creates sent at once, spread over `urls`: how many got each status."""
    headers = {"Authorization": f"Bearer {secret}"}
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(headers=headers, timeout=120, limits=limits) as client:
        start = asyncio.Event()

        async def one(i: int) -> int:
            await start.wait()
            body = {**ONE_CREDIT_JOB, "prompt": f"one credit {i}"}
            response = await client.post(f"{urls[i % len(urls)]}/v1/videos/generations", json=body)
            return response.status_code

        tasks = [asyncio.create_task(one(i)) for i in range(count)]
        await asyncio.sleep(0.2)
        start.set()
        return Counter(await asyncio.gather(*tasks))


def race_creates(urls: Sequence[str], secret: str, count: int) -> Counter[int]:
    return asyncio.run(_race(urls, secret, count))


LEDGER_PROBLEMS = """
SELECT 'balance', k.id FROM api_keys k
 WHERE k.balance != (SELECT coalesce(sum(e.amount), 0) FROM ledger_entries e WHERE e.key_id = k.id)
UNION ALL
SELECT 'unclosed', j.id FROM jobs j
 WHERE j.status IN ('succeeded', 'failed', 'cancelled')
   AND EXISTS (SELECT 1 FROM ledger_entries r WHERE r.job_id = j.id AND r.kind = 'reserve')
   AND (SELECT count(*) FROM ledger_entries c
         WHERE c.job_id = j.id AND c.kind IN ('settle', 'release')) != 1
UNION ALL
SELECT 'unreserved', j.id FROM jobs j
 WHERE NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.job_id = j.id AND r.kind = 'reserve')
"""
"""Every way the ledger could be wrong, as rows (none: it is right): a balance that is not
the sum of its entries, an ended job whose reservation was not closed exactly once, a job
accepted without a reservation. Plain SQL that SQLite and PostgreSQL both run."""
