"""Every router of the web UI, in the order the app includes them."""

from __future__ import annotations

from fastapi import APIRouter

from veogate.web import assets_route, console, playground

ROUTERS: tuple[APIRouter, ...] = (assets_route.router, playground.router, console.router)
