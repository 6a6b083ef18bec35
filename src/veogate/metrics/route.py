"""`GET /metrics`: the Prometheus exposition of every veogate process's counters and of the
figures read from the database now. Open by default, like `/healthz` (bind the service to a
private address, or let the proxy in front refuse the path); with `VEOGATE_METRICS_TOKEN`
set, a scraper must send it as a bearer token."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from veogate.api.deps import ServicesDep
from veogate.metrics.collect import Snapshot, read_figures
from veogate.metrics.registry import add_event_collector

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, services: ServicesDep) -> Response:
    token = services.settings.metrics_token
    if token is not None and not _bearer_matches(request, token.get_secret_value()):
        return Response(
            "/metrics needs the bearer token of VEOGATE_METRICS_TOKEN\n",
            status_code=401,
            media_type="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(Snapshot(await read_figures(services)))
    add_event_collector(scrape)
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encode(scrape), media_type=content_type)


def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )
