"""The aiohttp application: Socket.IO, pages, health and the REST API. Built by
bootstrap, never at import."""
from __future__ import annotations

import socketio
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.retrieval_responder import RetrievalResponder
from gateway.storage.readiness import database_checks
from gateway.json_api import storable
from gateway.web import auth, csrf, health, kb_routes, openapi, pages
from handoff.accounts import Accounts
from gateway.json_api.errors import json_errors
from gateway.web.security_headers import secure_headers
from knowledge_base.service import KnowledgeBase

# The largest body any route takes (a knowledge-base import); read_json holds the rest to less.
MAX_BODY = kb_routes.MAX_IMPORT_BYTES


def create_app(sio: socketio.AsyncServer, engine: AsyncEngine, accounts: Accounts,
               knowledge: KnowledgeBase, bot: RetrievalResponder, guard: auth.LoginGuard,
               csrf_tokens: csrf.CsrfTokens) -> web.Application:
    # Outermost first: every answer gets the headers, and a refused forgery is a JSON error.
    middlewares = [secure_headers(guard.addresses.is_https), json_errors, csrf.protect(auth.COOKIE),
                   storable.refuse_unstorable]
    app = web.Application(client_max_size=MAX_BODY, middlewares=middlewares)
    sio.attach(app)
    pages.add_routes(app)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz_handler(database_checks(engine), bot_check(knowledge)))
    auth.add_routes(app, accounts, guard, csrf_tokens)
    kb_routes.add_routes(app, knowledge, bot)
    openapi.add_routes(app)
    return app


def bot_check(knowledge: KnowledgeBase) -> health.Checks:
    """"warming" while the models and index load after a start, then "ok"."""
    async def check() -> dict[str, str]:
        return {"bot": knowledge.state}

    return check
