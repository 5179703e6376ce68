"""Liveness and readiness for load balancers and orchestrators."""
from __future__ import annotations

from typing import Awaitable, Callable

from aiohttp import web

Checks = Callable[[], Awaitable[dict[str, str]]]  # name -> "ok" or what is wrong


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def readyz_handler(checks: Checks):
    async def readyz(request: web.Request) -> web.Response:
        found = await checks()
        ready = all(v == "ok" for v in found.values())
        return web.json_response({"status": "ready" if ready else "not ready", "checks": found},
                                 status=200 if ready else 503)

    return readyz
