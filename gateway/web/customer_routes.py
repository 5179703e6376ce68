"""Erasing a customer's personal data from the API, for admins (the CLI does the same)."""
from __future__ import annotations

from aiohttp import web

from gateway.privacy.erasure import CustomerErasure, ErasureRefused
from handoff.staff import Role
from gateway.web.auth import author, require
from gateway.json_api.errors import ApiError
from gateway.web.services import WebServices

ERASURE = web.AppKey("customer_erasure", CustomerErasure)


@require(Role.ADMIN)
async def erase(request: web.Request) -> web.Response:
    """Erase a customer's personal data, keeping anonymous statistics (audited)"""
    customer_id = request.match_info["customer_id"]
    try:
        result = await request.app[ERASURE].erase(customer_id, actor=author(request))
    except ErasureRefused as exc:
        raise ApiError(exc.status, exc.message) from None
    return web.json_response({"customer_id": result.customer_id, "already_erased": result.already_erased,
                              "erased": result.counts})


def add_routes(app: web.Application, services: WebServices) -> None:
    app[ERASURE] = CustomerErasure(services.uow, services.clock)
    app.router.add_post("/api/customers/{customer_id}/erase", erase)
