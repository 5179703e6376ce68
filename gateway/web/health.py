"""Liveness and readiness for load balancers and orchestrators."""
from __future__ import annotations

from typing import Awaitable, Callable

from aiohttp import web

Checks = Callable[[], Awaitable[dict[str, str]]]  # name -> "ok", "warming" or what is wrong
# A part still loading does not stop the process serving chat: messages are stored and acked,
# and what needs the part waits for it.
SERVING = ("ok", "warming")


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def readyz_handler(*checks: Checks):
    async def readyz(request: web.Request) -> web.Response:
        found = {}
        for check in checks:
            found |= await check()
        ready = all(v in SERVING for v in found.values())
        return web.json_response({"status": "ready" if ready else "not ready", "checks": found},
                                 status=200 if ready else 503)

    return readyz
