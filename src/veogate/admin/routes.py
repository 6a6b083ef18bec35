"""The admin API's routers, mounted together by `api/app.py`."""

from __future__ import annotations

from fastapi import APIRouter

from veogate.admin import (
    credits_routes,
    jobs_routes,
    keys_routes,
    providers_routes,
    sessions_routes,
    usage_routes,
    webhooks_routes,
)

ROUTERS: tuple[APIRouter, ...] = (
    keys_routes.router,
    credits_routes.router,
    jobs_routes.router,
    usage_routes.router,
    webhooks_routes.router,
    providers_routes.router,
    sessions_routes.router,
)
