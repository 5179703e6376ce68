"""The aiohttp application: Socket.IO, pages, health and the REST API. Built by
bootstrap, never at import."""
from __future__ import annotations

import socketio
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.retrieval_responder import RetrievalResponder
from gateway.web import auth, health, kb_routes, openapi, pages, storable
from gateway.web.accounts import Accounts
from gateway.web.errors import json_errors
from knowledge_base.service import KnowledgeBase

# Knowledge-base imports arrive as one JSON body; everything else is far smaller.
MAX_BODY = 12 * 1024 * 1024


def create_app(sio: socketio.AsyncServer, engine: AsyncEngine, accounts: Accounts,
               knowledge: KnowledgeBase, bot: RetrievalResponder) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY, middlewares=[json_errors, storable.refuse_unstorable])
    sio.attach(app)
    pages.add_routes(app)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz_handler(engine))
    auth.add_routes(app, accounts)
    kb_routes.add_routes(app, knowledge, bot)
    openapi.add_routes(app)
    return app
