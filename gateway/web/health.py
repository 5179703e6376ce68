"""Liveness and readiness for load balancers and orchestrators."""
from __future__ import annotations

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.storage.migrate import current_revisions, head_revisions


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def readyz_handler(engine: AsyncEngine):
    async def readyz(request: web.Request) -> web.Response:
        checks: dict[str, str] = {}
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
            current, head = await current_revisions(engine), head_revisions()
            checks["migrations"] = "ok" if current == head else f"at {sorted(current)}, head is {sorted(head)}"
        except Exception as exc:  # any failure to reach the database means not ready
            checks["database"] = f"unreachable: {type(exc).__name__}"
        ready = all(v == "ok" for v in checks.values())
        return web.json_response({"status": "ready" if ready else "not ready", "checks": checks},
                                 status=200 if ready else 503)

    return readyz
