"""Being built."""
from __future__ import annotations

from aiohttp import web

from gateway.web.services import WebServices


def add_routes(app: web.Application, services: WebServices) -> None:
    pass
