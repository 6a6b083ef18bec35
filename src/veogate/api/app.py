"""create_app(settings): the HTTP service, with the pipeline running in-process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from veogate import __version__
from veogate.admin.routes import ROUTERS as ADMIN_ROUTERS
from veogate.api import events, files, health, unmatched, uploads
from veogate.auth.bootstrap import ensure_first_key
from veogate.config import Settings
from veogate.db.migrate import upgrade
from veogate.delivery.hub import EventHub
from veogate.dialects.apimart.routes import router as apimart_router
from veogate.dialects.google.gemini_routes import router as gemini_router
from veogate.dialects.google.vertex_routes import router as vertex_router
from veogate.dialects.kyy.routes import build_router as build_kyy_router
from veogate.dialects.openai.routes import router as openai_router
from veogate.dialects.status import render_status
from veogate.heap import freeze_startup_heap
from veogate.metrics import route as metrics_route
from veogate.metrics.registry import process_ended
from veogate.pipeline.pressure import LoopPressure
from veogate.pipeline.runtime import ClientLauncher, Launcher, WorkerRuntime
from veogate.web.routes import ROUTERS as WEB_ROUTERS
from veogate.wiring import build_services

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, worker: bool = True) -> FastAPI:
    """The HTTP service; with `worker`, jobs also run in this process (the embedded default)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(upgrade, settings.resolved_database_url)
        services = build_services(settings)
        pressure = LoopPressure()  # the API comes first: see pipeline/pressure.py
        launcher: Launcher = (
            WorkerRuntime(services, render_status, pressure) if worker else ClientLauncher(services)
        )
        app.state.services, app.state.launcher = services, launcher
        await ensure_first_key(services.sessions, settings.data_dir)
        await launcher.start()
        if worker:
            pressure.start()
        hub = EventHub(
            services.sessions,
            settings.resolved_database_url,
            poll_seconds=settings.events_poll_seconds,
        )
        app.state.hub = hub
        await hub.start()
        for model, provider in sorted(services.providers.describe().items()):
            log.info("model %s is served by provider %s", model, provider)
        if not worker:
            log.info("API only (--no-worker): jobs run in `veogate worker` processes")
        freeze_startup_heap()
        try:
            yield
        finally:
            await hub.stop()
            await pressure.stop()
            await launcher.stop()
            await services.close()
            process_ended()

    app = FastAPI(title="veogate", version=__version__, lifespan=lifespan)
    app.include_router(build_kyy_router(settings.kyy_prefix))
    app.include_router(apimart_router)
    app.include_router(openai_router)  # after apimart: POST /v1/videos/generations is apimart's
    app.include_router(gemini_router)
    app.include_router(vertex_router)
    app.include_router(events.router)
    app.include_router(files.router)
    app.include_router(uploads.router)
    app.include_router(health.router)
    for admin_router in ADMIN_ROUTERS:
        app.include_router(admin_router)
    app.include_router(metrics_route.router)
    for web_router in WEB_ROUTERS:
        app.include_router(web_router)
    unmatched.install(app, settings.kyy_prefix)
    return app
