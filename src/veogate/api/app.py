"""create_app(settings): the HTTP service, with the pipeline running in-process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from veogate import __version__
from veogate.api import files, health
from veogate.auth.bootstrap import ensure_first_key
from veogate.config import Settings
from veogate.db.migrate import upgrade
from veogate.dialects.apimart.routes import router as apimart_router
from veogate.dialects.kyy.routes import build_router as build_kyy_router
from veogate.pipeline import retention
from veogate.pipeline.runtime import Runtime
from veogate.wiring import build_services

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(upgrade, settings.resolved_database_url)
        services = build_services(settings)
        runtime = Runtime(services)
        app.state.services, app.state.runtime = services, runtime
        await ensure_first_key(services.sessions, settings.data_dir)
        await runtime.start()
        for model, provider in sorted(services.providers.describe().items()):
            log.info("model %s is served by provider %s", model, provider)
        sweeper = asyncio.create_task(retention.run_forever(services))
        try:
            yield
        finally:
            sweeper.cancel()
            await runtime.stop()
            await services.close()

    app = FastAPI(title="veogate", version=__version__, lifespan=lifespan)
    app.include_router(build_kyy_router(settings.kyy_prefix))
    app.include_router(apimart_router)
    app.include_router(files.router)
    app.include_router(health.router)
    return app
