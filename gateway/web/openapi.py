"""The OpenAPI document at /api/openapi.json, made from the routes and their models."""
from __future__ import annotations

import re

from aiohttp import web
from pydantic import BaseModel

from gateway.web.auth import LoginIn
from gateway.web.kb_routes import EntryUpdateIn, ImportIn, SearchIn
from knowledge_base.entry import KbEntryIn

BODIES: dict[tuple[str, str], type[BaseModel]] = {
    ("POST", "/api/auth/login"): LoginIn,
    ("POST", "/api/kb/entries"): KbEntryIn,
    ("PUT", "/api/kb/entries/{entry_id}"): EntryUpdateIn,
    ("POST", "/api/kb/import"): ImportIn,
    ("POST", "/api/kb/search"): SearchIn,
}
ERROR = {"type": "object", "properties": {"error": {"type": "object", "properties": {
    "code": {"type": "string"}, "message": {"type": "string"}}, "required": ["code", "message"]}}}


def document(app: web.Application) -> dict:
    paths: dict[str, dict] = {}
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if not path or not path.startswith("/api/") or route.method == "HEAD":
            continue
        roles = getattr(route.handler, "roles", None)
        operation: dict = {
            "summary": (route.handler.__doc__ or route.handler.__name__.replace("_", " ")).strip().splitlines()[0],
            "responses": {"200": {"description": "success"},
                          "400": {"description": "malformed JSON", "content": {"application/json": {"schema": ERROR}}},
                          "422": {"description": "invalid fields", "content": {"application/json": {"schema": ERROR}}}},
        }
        if roles:
            operation["description"] = "roles: " + ", ".join(roles)
            operation["security"] = [{"bearer": []}, {"cookie": []}]
            operation["responses"]["401"] = {"description": "no or bad credentials"}
            operation["responses"]["403"] = {"description": "wrong role"}
        if "{" in path:
            operation["parameters"] = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                                       for name in re.findall(r"{(\w+)}", path)]
            operation["responses"]["404"] = {"description": "unknown id"}
        # Route modules name their request model on the handler (`handler.body_model = Model`).
        body = BODIES.get((route.method, path)) or getattr(route.handler, "body_model", None)
        if body is not None:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": body.model_json_schema()}}}
        paths.setdefault(path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "cs-gateway", "version": "0.1.0"},
        "paths": paths,
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "cookie": {"type": "apiKey", "in": "cookie", "name": "cs_session"}}},
    }


def add_routes(app: web.Application) -> None:
    async def openapi(request: web.Request) -> web.Response:
        return web.json_response(document(request.app))

    app.router.add_get("/api/openapi.json", openapi)
