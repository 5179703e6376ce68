"""The OpenAPI document at /api/openapi.json, made from the routes and their models.

Most of each operation is inferred: roles from `require` (401, and 403 unless every role may
call it), a path parameter (404), a request body (400, 413; route modules name its model on
the handler as `handler.body_model = Model`), any write under /api (403: the CSRF check refuses
a cookie-authenticated write without its token), and 422 everywhere (invalid fields, or a
path or query value that no database could store). What cannot be inferred — a status
other than 200, the errors a handler raises itself, the query it reads, a body that is not
JSON — is in ROUTES below. tests/e2e/test_api_fuzz.py holds the live server to this document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from aiohttp import web
from pydantic import BaseModel

from gateway import audit
from handoff.staff import Role
from gateway.web.auth import LoginIn
from gateway.web.conversation_routes import SUPERVISOR_VIEWS
from gateway.web.kb_routes import EntryUpdateIn, ImportIn, SearchIn
from gateway.web.report_routes import TABLES
from gateway.web.workspace_routes import CHANNELS
from gateway.conversations.model import Status
from gateway.json_api.storable import LARGEST as LARGEST_ID, LARGEST_VERSION
from knowledge_base.entry import EntryStatus, KbEntryIn
from knowledge_base.exporters import EXPORT_FORMATS
from knowledge_base.proposals import STATUSES as PROPOSAL_STATUSES

BODIES: dict[tuple[str, str], type[BaseModel]] = {
    ("POST", "/api/auth/login"): LoginIn,
    ("POST", "/api/kb/entries"): KbEntryIn,
    ("PUT", "/api/kb/entries/{entry_id}"): EntryUpdateIn,
    ("POST", "/api/kb/import"): ImportIn,
    ("POST", "/api/kb/search"): SearchIn,
}
ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}
WRITES = ("POST", "PUT", "PATCH", "DELETE")
ERROR_TEXT = {400: "malformed JSON", 401: "no or bad credentials", 403: "wrong role, or a write without its CSRF token",
              404: "unknown id", 409: "a stale version, or a state that does not allow this",
              413: "the body is too large", 422: "invalid fields", 429: "too many requests; see Retry-After",
              503: "just started: the bot is still loading its models and index; see Retry-After"}


def _text(**schema) -> dict:
    return {"type": "string", **schema}


def _choice(values) -> dict:
    return {"type": "string", "enum": [str(v) for v in values]}


WHOLE = {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}
VERSION = {**WHOLE, "maximum": LARGEST_VERSION}
DAY = _text(format="date")
TIME = _text(description="ISO 8601 date or time; a date alone is its UTC midnight")
DESK = (403, 404, 409, 422)  # what hand-off's refusals map to (gateway/web/handoff_errors.py)


@dataclass(frozen=True)
class Route:
    success: int = 200
    errors: tuple[int, ...] = ()
    query: dict[str, dict] = field(default_factory=dict)
    required: tuple[str, ...] = ()  # query parameters that must be given
    media: tuple[str, ...] = ("application/json",)


ROUTES: dict[tuple[str, str], Route] = {
    ("POST", "/api/auth/login"): Route(errors=(401, 429)),
    ("GET", "/api/kb/entries"): Route(query={"status": _choice(EntryStatus), "language": _text(), "q": _text()}),
    ("POST", "/api/kb/entries"): Route(success=201, errors=(409,)),
    ("PUT", "/api/kb/entries/{entry_id}"): Route(errors=(409,)),
    ("DELETE", "/api/kb/entries/{entry_id}"): Route(success=204, errors=(409,), query={"version": VERSION}),
    ("GET", "/api/kb/entries/{entry_id}/diff"): Route(query={"from": VERSION, "to": VERSION}, required=("from", "to")),
    ("POST", "/api/kb/entries/{entry_id}/publish"): Route(errors=(409,)),
    ("POST", "/api/kb/entries/{entry_id}/unpublish"): Route(errors=(409,)),
    ("POST", "/api/kb/entries/{entry_id}/rollback"): Route(errors=(409,)),
    ("GET", "/api/kb/export"): Route(query={"format": _choice(EXPORT_FORMATS), "status": _choice(EntryStatus)},
                                     media=("application/json", "application/yaml", "text/csv")),
    ("POST", "/api/kb/unanswered/entry"): Route(success=201, errors=(409,)),
    ("POST", "/api/kb/unanswered/dismiss"): Route(errors=(409,)),
    ("GET", "/api/kb/proposals"): Route(query={"status": _choice((*PROPOSAL_STATUSES, "all"))}),
    ("POST", "/api/kb/proposals/{proposal_id}/approve"): Route(errors=(409,)),
    ("POST", "/api/kb/proposals/{proposal_id}/reject"): Route(errors=(409,)),
    ("GET", "/api/conversations"): Route(query={"status": _choice(SUPERVISOR_VIEWS)}),
    ("POST", "/api/conversations/{conversation_id}/claim"): Route(errors=DESK),
    ("POST", "/api/conversations/{conversation_id}/reply"): Route(errors=DESK),
    ("POST", "/api/conversations/{conversation_id}/note"): Route(success=201, errors=DESK),
    ("POST", "/api/conversations/{conversation_id}/transfer"): Route(errors=DESK),
    ("POST", "/api/conversations/{conversation_id}/resolve"): Route(errors=DESK),
    ("POST", "/api/agents/me/presence"): Route(errors=DESK),
    ("GET", "/api/complaints"): Route(query={"status": _text()}),
    ("POST", "/api/complaints"): Route(success=201, errors=DESK),
    ("POST", "/api/complaints/{complaint_id}"): Route(errors=DESK),
    ("GET", "/api/reports"): Route(query={"from": DAY, "to": DAY}),
    ("GET", "/api/metrics/summary"): Route(query={"from": DAY, "to": DAY}),
    ("GET", "/api/reports/{table}.csv"): Route(query={"from": DAY, "to": DAY}, media=("text/csv",)),
    ("GET", "/api/reports/staffing"): Route(
        query={"arrivals_per_hour": {"type": "number", "minimum": 0}, "handle_seconds": {"type": "number", "minimum": 0},
               "target_seconds": {"type": "number", "minimum": 0},
               "target_share": {"type": "number", "minimum": 0, "maximum": 1}},
        required=("arrivals_per_hour", "handle_seconds")),
    ("POST", "/api/quality/samples"): Route(success=201),
    ("POST", "/api/quality/reviews"): Route(success=201, errors=(404,)),
    ("GET", "/api/quality/report"): Route(query={"from": TIME, "to": TIME}),
    ("GET", "/api/audit"): Route(query={"type": _choice(audit.TYPES), "actor": _text(), "from": TIME, "to": TIME,
                                        "limit": {**WHOLE, "maximum": audit.MAX_LIMIT}}),
    ("POST", "/api/customers/{customer_id}/erase"): Route(errors=(409,)),
    ("PUT", "/api/service-hours"): Route(errors=(409,)),  # saved over a stale version
    ("POST", "/api/kb/search"): Route(errors=(503,)),  # in the first seconds after a start
    ("GET", "/api/conversations/{conversation_id}/suggestions"): Route(query={"q": _text()}, errors=(503,)),
    ("GET", "/api/conversations/search"): Route(query={
        "q": _text(), "status": _choice(Status), "channel": _choice(CHANNELS),
        "assignee": _text(), "complaint": _choice(("yes", "no")), "breached": _choice(("yes", "no")),
        "from": DAY, "to": DAY, "limit": {**WHOLE, "minimum": 1, "maximum": 100}}),
    ("GET", "/api/canned-replies"): Route(query={"language": _choice(("zh", "en"))}),
    ("POST", "/api/canned-replies"): Route(success=201, errors=(409,)),
    ("PUT", "/api/canned-replies/{reply_id}"): Route(errors=(409,)),
    ("DELETE", "/api/canned-replies/{reply_id}"): Route(success=204),
    ("POST", "/api/webhooks"): Route(success=201),
    ("DELETE", "/api/webhooks/{endpoint_id}"): Route(success=204),
    ("GET", "/api/webhooks/{endpoint_id}/deliveries"): Route(query={"limit": {**WHOLE, "maximum": 500}}),
}
# Path parameters with a fixed set of values.
PATH_VALUES = {"table": _choice(TABLES), "proposal_id": WHOLE, "reply_id": WHOLE, "endpoint_id": WHOLE,
               "delivery_id": WHOLE}


def _error(status: int) -> dict:
    response = {"description": ERROR_TEXT.get(status, "error"), "content": {"application/json": {"schema": ERROR}}}
    if status in (429, 503):
        response["headers"] = {"Retry-After": {"required": True, "description": "seconds to wait",
                                               "schema": {"type": "integer", "minimum": 1}}}
    return response


def _success(route: Route) -> dict:
    if route.success == 204:
        return {"description": "done; no content"}
    return {"description": "created" if route.success == 201 else "success",
            "content": {media: {} for media in route.media}}


def operation(method: str, path: str, handler) -> dict:
    route = ROUTES.get((method, path), Route())
    roles = getattr(handler, "roles", None)
    body = BODIES.get((method, path)) or getattr(handler, "body_model", None)
    names = re.findall(r"{(\w+)}", path)
    errors = set(route.errors) | {422}  # any path or query value may be unstorable (gateway.json_api.storable)
    if roles:
        errors.add(401)
        if set(roles) != set(Role):
            errors.add(403)
    if method in WRITES:
        errors.add(403)
    if names:
        errors.add(404)
    if body is not None:
        errors.update((400, 413))
    described: dict = {
        "summary": (handler.__doc__ or handler.__name__.replace("_", " ")).strip().splitlines()[0],
        "responses": {str(route.success): _success(route), **{str(s): _error(s) for s in sorted(errors)}},
    }
    if roles:
        described["description"] = "roles: " + ", ".join(roles)
        described["security"] = [{"bearer": []}, {"cookie": []}]
    parameters = [{"name": n, "in": "path", "required": True, "schema": PATH_VALUES.get(n, _text())} for n in names]
    parameters += [{"name": n, "in": "query", "required": n in route.required, "schema": schema}
                   for n, schema in route.query.items()]
    if parameters:
        described["parameters"] = parameters
    if body is not None:
        described["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": body.model_json_schema()}}}
    return described


def document(app: web.Application) -> dict:
    paths: dict[str, dict] = {}
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if not path or not path.startswith("/api/") or route.method == "HEAD":
            continue
        paths.setdefault(path, {})[route.method.lower()] = operation(route.method, path, route.handler)
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
