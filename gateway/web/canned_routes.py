"""REST for canned replies: every agent reads them (the console's `/` picker); supervisors
and admins keep them."""
from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from gateway.json_api.errors import ApiError, read_json
from gateway.json_api.storable import LARGEST_VERSION, whole
from gateway.web.auth import SUPERVISORS, author, require
from gateway.web.services import WebServices
from handoff.canned_replies import CannedReplies, CannedReplyFields, CannedReplyNotFound, ShortcutTaken
from handoff.staff import Role

CANNED = web.AppKey("canned_replies", CannedReplies)
READERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
Language = Literal["zh", "en"]


class CannedReplyIn(BaseModel):
    # Stripped before the length checks: a title of spaces is a missing title.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    # What follows the agent's "/": one word (letters of any script, digits, _ and -), so the
    # picker can tell where it ends.
    shortcut: str = Field(min_length=1, max_length=32, pattern=r"^[\w-]+$")
    title: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=4000)
    language: Language

    def fields(self) -> CannedReplyFields:
        return CannedReplyFields(self.shortcut, self.title, self.text, self.language)


def _id(request: web.Request) -> int:
    reply_id = whole(request.match_info["reply_id"], LARGEST_VERSION)
    if reply_id is None:
        raise ApiError(404, f"no canned reply {request.match_info['reply_id']!r}")
    return reply_id


@require(*READERS)
async def list_replies(request: web.Request) -> web.Response:
    language = request.query.get("language")
    if language is not None and language not in ("zh", "en"):
        raise ApiError(422, "language must be zh or en")
    replies = await request.app[CANNED].list(language)
    return web.json_response({"canned_replies": [r.to_dict() for r in replies]})


@require(*SUPERVISORS)
async def create_reply(request: web.Request) -> web.Response:
    body = await read_json(request, CannedReplyIn)
    try:
        created = await request.app[CANNED].create(body.fields(), author(request))
    except ShortcutTaken as exc:
        raise ApiError(409, str(exc)) from None
    return web.json_response(created.to_dict(), status=201)


@require(*SUPERVISORS)
async def update_reply(request: web.Request) -> web.Response:
    reply_id = _id(request)
    body = await read_json(request, CannedReplyIn)
    try:
        updated = await request.app[CANNED].update(reply_id, body.fields(), author(request))
    except CannedReplyNotFound as exc:
        raise ApiError(404, str(exc)) from None
    except ShortcutTaken as exc:
        raise ApiError(409, str(exc)) from None
    return web.json_response(updated.to_dict())


@require(*SUPERVISORS)
async def delete_reply(request: web.Request) -> web.Response:
    try:
        await request.app[CANNED].delete(_id(request), author(request))
    except CannedReplyNotFound as exc:
        raise ApiError(404, str(exc)) from None
    return web.Response(status=204)


create_reply.body_model = CannedReplyIn
update_reply.body_model = CannedReplyIn


def add_routes(app: web.Application, services: WebServices) -> None:
    app[CANNED] = CannedReplies(services.uow, services.clock)
    r = app.router
    r.add_get("/api/canned-replies", list_replies)
    r.add_post("/api/canned-replies", create_reply)
    r.add_put("/api/canned-replies/{reply_id}", update_reply)
    r.add_delete("/api/canned-replies/{reply_id}", delete_reply)
