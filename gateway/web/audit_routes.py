"""The audit log for supervisors and admins, and the admin's user list and role changes
(each role change writes an audit row with the role before and after)."""
from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from gateway import audit
from gateway.privacy import pii
from handoff.accounts import AccountError
from handoff.staff import Role
from gateway.web.auth import PRINCIPAL, SUPERVISORS, require
from gateway.json_api.errors import ApiError, read_json
from gateway.web.quality_routes import query_time
from gateway.web.services import WebServices
from gateway.json_api.storable import whole

SERVICES = web.AppKey("audit_services", WebServices)


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


@require(*SUPERVISORS)
async def audit_log(request: web.Request) -> web.Response:
    kind = request.query.get("type") or None
    if kind is not None and kind not in audit.TYPES:
        raise ApiError(422, f"type must be one of {', '.join(audit.TYPES)}")
    raw_limit = request.query.get("limit", "100")
    if not 1 <= (whole(raw_limit) or 0) <= audit.MAX_LIMIT:
        raise ApiError(422, f"limit must be 1 to {audit.MAX_LIMIT}")
    actor = (request.query.get("actor") or "").strip()[:100] or None
    query = audit.AuditQuery(kind, actor, query_time(request, "from"), query_time(request, "to"), int(raw_limit))
    async with request.app[SERVICES].uow() as uow:
        rows = await audit.read(uow, query)
    # A summary or a root cause can quote a customer; the log is about who did what, not them.
    return web.json_response({"entries": [pii.mask_fields(r, "summary", "before", "after") for r in rows]})


@require(Role.ADMIN)
async def users(request: web.Request) -> web.Response:
    return web.json_response({"users": await request.app[SERVICES].accounts.users()})


@require(Role.ADMIN)
async def set_role(request: web.Request) -> web.Response:
    raw = request.match_info["user_id"]
    if whole(raw) is None:
        raise ApiError(404, f"no user {raw!r}")
    body = await read_json(request, RoleIn)
    try:
        changed = await request.app[SERVICES].accounts.set_role(int(raw), body.role, request[PRINCIPAL])
    except LookupError as exc:
        raise ApiError(404, str(exc)) from None
    except AccountError as exc:
        raise ApiError(422, str(exc)) from None
    return web.json_response(changed)


set_role.body_model = RoleIn


def add_routes(app: web.Application, services: WebServices) -> None:
    app[SERVICES] = services
    app.router.add_get("/api/audit", audit_log)
    app.router.add_get("/api/users", users)
    app.router.add_put("/api/users/{user_id}/role", set_role)
