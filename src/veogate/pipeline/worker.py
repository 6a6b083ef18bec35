"""`veogate worker`: run jobs, no HTTP, until SIGTERM/SIGINT (then drain and exit)."""

from __future__ import annotations

import asyncio
import logging
import signal

from veogate.config import Settings
from veogate.db.migrate import upgrade
from veogate.dialects.status import render_status
from veogate.heap import freeze_startup_heap
from veogate.metrics.registry import process_ended
from veogate.pipeline.runtime import WorkerRuntime
from veogate.wiring import build_services

log = logging.getLogger(__name__)


async def run_worker(settings: Settings) -> None:
    await asyncio.to_thread(upgrade, settings.resolved_database_url)
    services = build_services(settings)
    runtime = WorkerRuntime(services, render_status)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    for model, provider in sorted(services.providers.describe().items()):
        log.info("model %s is served by provider %s", model, provider)
    freeze_startup_heap()
    try:
        await stop.wait()
        log.info(
            "worker %s stopping: no new work; running steps get %.0fs to finish",
            runtime.executor_id,
            settings.shutdown_grace_seconds,
        )
    finally:
        await runtime.stop()
        await services.close()
        process_ended()
