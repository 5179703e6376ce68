"""The aiohttp application: Socket.IO, pages, health. Built by bootstrap, never at import."""
from __future__ import annotations

import socketio
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.web import health, pages


def create_app(sio: socketio.AsyncServer, engine: AsyncEngine) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    sio.attach(app)
    pages.add_routes(app)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz_handler(engine))
    return app
