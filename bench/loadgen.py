"""A small closed-loop HTTP load generator (aiohttp) and the process readings benchmarks share.

`closed_loop` keeps `concurrency` requests in flight for `seconds`, as that many clients
each sending their next request as soon as the last one is answered.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

Request = tuple[str, str, dict[str, Any] | None]
"""(method, path, JSON body or None)."""


@dataclass
class Tally:
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    answers: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def quantile(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 1000) - 1]


async def closed_loop(
    base_url: str,
    headers: dict[str, str],
    request: Callable[[int], Request],
    *,
    concurrency: int = 32,
    seconds: float | None = None,
    total: int | None = None,
    keep_answers: bool = False,
) -> Tally:
    """Send `request(i)` for i = 0, 1, ... from `concurrency` clients until `seconds` have
    passed or `total` requests were sent (whichever is given)."""
    assert seconds is not None or total is not None
    tally = Tally()
    counter = iter(range(total if total is not None else 10**12))
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=120)
    started = time.perf_counter()
    stop_at = started + seconds if seconds is not None else float("inf")

    async def client(session: aiohttp.ClientSession) -> None:
        for i in counter:
            if time.perf_counter() >= stop_at:
                return
            method, path, body = request(i)
            sent = time.perf_counter()
            async with session.request(method, path, json=body) as response:
                answer = await response.json(content_type=None)
            tally.latencies_ms.append((time.perf_counter() - sent) * 1000)
            tally.statuses[response.status] += 1
            if keep_answers:
                tally.answers.append(answer)

    async with aiohttp.ClientSession(
        base_url, headers=headers, connector=connector, timeout=timeout
    ) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    tally.seconds = time.perf_counter() - started
    return tally


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int, field_name: str = "VmHWM") -> float:
    """Resident memory in MB: `VmHWM` (peak so far) or `VmRSS` (now)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field_name)


_WRK_SCRIPT = """
local counter = 0
local method, path, body = "%s", "%s", %s
wrk.headers["Authorization"] = "%s"
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  local text = nil
  if body then text = string.gsub(body, "{i}", tostring(counter)) end
  return wrk.format(method, path, nil, text)
end
"""


@dataclass
class WrkTally:
    rate: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


def wrk_closed_loop(
    base_url: str,
    authorization: str,
    method: str,
    path: str,
    body: str | None,
    *,
    seconds: float,
    concurrency: int = 32,
) -> WrkTally:
    """The same closed loop through `wrk` (C, one thread): the client is never the limit.
    `{i}` in `body` is replaced by a per-request counter."""
    import shutil
    import subprocess
    import tempfile

    wrk = shutil.which("wrk")
    assert wrk is not None, "wrk is not installed (apt-get install wrk)"
    lua_body = "nil" if body is None else "[[" + body + "]]"
    script = _WRK_SCRIPT % (method, path, lua_body, authorization)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        out = subprocess.run(
            [
                wrk,
                "-t1",
                f"-c{concurrency}",
                f"-d{max(1, round(seconds))}s",
                "--latency",
                "-s",
                lua.name,
                base_url,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return WrkTally(
        rate=float(_field(out, "Requests/sec:")),
        p50_ms=_ms(_field(out, "50%")),
        p99_ms=_ms(_field(out, "99%")),
        non_2xx=int(_field(out, "Non-2xx or 3xx responses:") or 0),
    )


def _field(text: str, label: str) -> str:
    for line in text.splitlines():
        if line.strip().startswith(label):
            return line.strip()[len(label) :].split()[0]
    return ""


def _ms(value: str) -> float:
    for unit, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if value.endswith(unit):
            return float(value[: -len(unit)]) * scale
    return float("nan")
