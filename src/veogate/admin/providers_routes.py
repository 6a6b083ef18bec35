"""`/admin/v1/providers`: each provider, its models, credentials and health."""

from __future__ import annotations

from veogate.admin.providers import provider_views
from veogate.admin.routing import admin_router
from veogate.admin.schemas import Page, ProviderView
from veogate.api.deps import ServicesDep, SessionDep

router = admin_router("providers")


@router.get("/providers", response_model=Page[ProviderView])
async def list_providers(session: SessionDep, services: ServicesDep) -> Page[ProviderView]:
    """In flight counts every process's operations; `recent` covers the last 15 minutes."""
    views = await provider_views(session, services.providers, services.catalog)
    return Page(data=views)
