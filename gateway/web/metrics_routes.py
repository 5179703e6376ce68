"""GET /metrics in the Prometheus text format.

Served without a login: scrapers usually cannot log in, and the page holds only aggregate
counts labelled by channel, sender kind and hand-off code (no ids, no names, no text).
Keep it off the public internet at the proxy if even those totals are sensitive.
"""
from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from gateway.metrics import METRICS
from gateway.web.services import WebServices


def add_routes(app: web.Application, services: WebServices) -> None:
    async def metrics(request: web.Request) -> web.Response:
        if METRICS not in request.app:  # an app built without instruments (not through bootstrap)
            raise web.HTTPNotFound()
        body = await request.app[METRICS].scrape(services.uow)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})

    app.router.add_get("/metrics", metrics)
