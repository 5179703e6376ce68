"""REST for webhook endpoints: admins register where the shop's systems hear about
conversations, hand-offs, complaints and ratings."""
from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.conversations.webhook_events import EVENT_TYPES
from gateway.json_api.errors import ApiError, read_json
from gateway.json_api.storable import LARGEST_VERSION, whole
from gateway.web.auth import author, require
from gateway.web.services import WebServices
from handoff.staff import Role
from handoff.webhook_endpoints import DeliveryNotFound, EndpointFields, EndpointNotFound, WebhookEndpoints

ENDPOINTS = web.AppKey("webhook_endpoints", WebhookEndpoints)
EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    url: str = Field(min_length=1, max_length=2000)
    # Long enough that guessing it is out of reach; the receiver keeps the same string.
    secret: str = Field(min_length=16, max_length=256)
    events: list[EventType] = Field(min_length=1, max_length=len(EVENT_TYPES))
    trusted: bool = Field(False, description="personal data unmasked in payloads")

    @field_validator("url")
    @classmethod
    def http_url(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("url must be an http or https address with a host")
        if parts.username or parts.password:
            raise ValueError("url must not carry a user or password: the secret signs each delivery")
        return url

    @field_validator("events")
    @classmethod
    def each_once(cls, events: list[str]) -> list[str]:
        if len(set(events)) != len(events):
            raise ValueError("events must not repeat")
        return events

    def fields(self) -> EndpointFields:
        return EndpointFields(self.url, tuple(self.events), self.trusted)


class EndpointUpdateIn(EndpointIn):
    secret: str | None = Field(None, min_length=16, max_length=256, description="omitted: the secret set is kept")


def _id(request: web.Request) -> int:
    endpoint_id = whole(request.match_info["endpoint_id"], LARGEST_VERSION)
    if endpoint_id is None:
        raise ApiError(404, f"no webhook endpoint {request.match_info['endpoint_id']!r}")
    return endpoint_id


@require(Role.ADMIN)
async def list_endpoints(request: web.Request) -> web.Response:
    endpoints = await request.app[ENDPOINTS].list()
    return web.json_response({"webhooks": [e.to_dict() for e in endpoints], "event_types": list(EVENT_TYPES)})


@require(Role.ADMIN)
async def create_endpoint(request: web.Request) -> web.Response:
    body = await read_json(request, EndpointIn)
    created = await request.app[ENDPOINTS].create(body.fields(), body.secret, author(request))
    return web.json_response(created.to_dict(), status=201)


@require(Role.ADMIN)
async def update_endpoint(request: web.Request) -> web.Response:
    endpoint_id = _id(request)
    body = await read_json(request, EndpointUpdateIn)
    try:
        updated = await request.app[ENDPOINTS].update(endpoint_id, body.fields(), body.secret, author(request))
    except EndpointNotFound as exc:
        raise ApiError(404, str(exc)) from None
    return web.json_response(updated.to_dict())


@require(Role.ADMIN)
async def delete_endpoint(request: web.Request) -> web.Response:
    try:
        await request.app[ENDPOINTS].delete(_id(request), author(request))
    except EndpointNotFound as exc:
        raise ApiError(404, str(exc)) from None
    return web.Response(status=204)


@require(Role.ADMIN)
async def list_deliveries(request: web.Request) -> web.Response:
    """The endpoint's latest deliveries, newest first, with how each went."""
    limit = whole(request.query.get("limit", "50"), 500)
    if not limit:
        raise ApiError(422, "limit must be 1 to 500")
    try:
        found = await request.app[ENDPOINTS].deliveries(_id(request), limit)
    except EndpointNotFound as exc:
        raise ApiError(404, str(exc)) from None
    return web.json_response({"deliveries": found})


@require(Role.ADMIN)
async def resend_delivery(request: web.Request) -> web.Response:
    """The same event (id and body) goes out again, now, before the endpoint's later ones."""
    delivery_id = whole(request.match_info["delivery_id"], LARGEST_VERSION)
    try:
        if delivery_id is None:
            raise DeliveryNotFound(f"no webhook delivery {request.match_info['delivery_id']!r}")
        again = await request.app[ENDPOINTS].resend(delivery_id, author(request))
    except DeliveryNotFound as exc:
        raise ApiError(404, str(exc)) from None
    return web.json_response(again)


create_endpoint.body_model = EndpointIn
update_endpoint.body_model = EndpointUpdateIn


def add_routes(app: web.Application, services: WebServices) -> None:
    app[ENDPOINTS] = WebhookEndpoints(services.uow, services.clock)
    r = app.router
    r.add_get("/api/webhooks", list_endpoints)
    r.add_post("/api/webhooks", create_endpoint)
    r.add_put("/api/webhooks/{endpoint_id}", update_endpoint)
    r.add_delete("/api/webhooks/{endpoint_id}", delete_endpoint)
    r.add_get("/api/webhooks/{endpoint_id}/deliveries", list_deliveries)
    r.add_post("/api/webhooks/deliveries/{delivery_id}/resend", resend_delivery)
