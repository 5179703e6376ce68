"""REST for agents and supervisors: the queue, a conversation's context, and what they do."""
from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from gateway.clock import Clock
from gateway.conversations.model import ConcurrentUpdate, Status
from gateway.privacy import staff_view
from gateway.web.services import StaffUnitOfWorkFactory
from handoff.staff import Role
from gateway.web.handoff_errors import api_error
from gateway.web.agent_actions import (NEEDS_CONFIRMATION, PresenceFields, ReplyFields, TextFields, TransferFields,
                                       warnings_of)
from gateway.web.auth import PRINCIPAL, SUPERVISORS, require
from gateway.json_api.errors import ApiError, read_json
from handoff.complaints import ComplaintRegister
from handoff.desk import Desk
from handoff.errors import HandoffRefused
from handoff.finding import may_read, needs_history
from handoff.service_clocks import CalendarSource, ServiceClocks

DESK = web.AppKey("desk", Desk)
COMPLAINTS = web.AppKey("complaints", ComplaintRegister)
STORE = web.AppKey("desk_store", object)
CONSOLE_VIEW = web.AppKey("console_view", staff_view.ConsoleView)
STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
AGENT_VIEWS = ("queued", "mine")
SUPERVISOR_VIEWS = AGENT_VIEWS + ("assigned", "open", "resolved", "bot", "all")


class TextIn(TextFields):
    model_config = ConfigDict(extra="forbid")


class ReplyIn(ReplyFields):
    model_config = ConfigDict(extra="forbid")


class RevealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message_id: int = Field(ge=1, description="a customer message shown in this conversation's context")


class TransferIn(TransferFields):
    model_config = ConfigDict(extra="forbid")


class PresenceIn(PresenceFields):
    model_config = ConfigDict(extra="forbid")


def _deps(request: web.Request):
    uow, clock = request.app[STORE]
    return request.app[DESK], uow, clock


async def _run(coro):
    try:
        return await coro
    except HandoffRefused as exc:
        raise api_error(exc) from None
    except ConcurrentUpdate:
        raise ApiError(409, "someone else changed this conversation first; reload it") from None


@require(*STAFF)
async def list_conversations(request: web.Request) -> web.Response:
    _, uow_factory, clock = _deps(request)
    principal = request[PRINCIPAL]
    view = request.query.get("status", "queued")
    allowed = SUPERVISOR_VIEWS if principal.role in SUPERVISORS else AGENT_VIEWS
    if view not in allowed:
        raise ApiError(403 if view in SUPERVISOR_VIEWS else 422, f"status must be one of {', '.join(allowed)}")
    now = clock()
    async with uow_factory() as uow:
        if view == "queued":
            queue = await uow.console.queue_rows(now)
            return web.json_response({"conversations": request.app[CONSOLE_VIEW].rows(queue)})
        statuses = {"mine": [Status.ASSIGNED], "assigned": [Status.ASSIGNED], "resolved": [Status.RESOLVED],
                    "bot": [Status.BOT], "open": [Status.QUEUED, Status.ASSIGNED], "all": list(Status)}[view]
        out = await uow.console.listing(statuses, principal.user_id if view == "mine" else None, now)
    return web.json_response({"conversations": request.app[CONSOLE_VIEW].rows(out)})


async def visible_conversation(request: web.Request, uow):
    """The conversation in the path, if the caller may see it."""
    principal = request[PRINCIPAL]
    conversation = await uow.chats.conversation(request.match_info["conversation_id"])
    if conversation is None:
        raise ApiError(404, "no such conversation")
    had_it = needs_history(conversation, principal) and await uow.console.had_handoff(conversation.id,
                                                                                       principal.user_id)
    if not may_read(conversation, principal, had_it):
        raise ApiError(403, "agents see the queue, their own conversations and the resolved ones they had")
    return conversation


def can_act(conversation, principal) -> bool:
    """Whether the reader can claim, reply or resolve here; everything else is read-only."""
    if conversation.status == Status.QUEUED:
        return True
    return conversation.status == Status.ASSIGNED and (
        conversation.assignee_id == principal.user_id or principal.role in SUPERVISORS)


@require(*STAFF)
async def get_conversation(request: web.Request) -> web.Response:
    _, uow_factory, clock = _deps(request)
    async with uow_factory() as uow:
        visible = await visible_conversation(request, uow)
        package = await uow.console.context_package(visible.id, clock(), request[PRINCIPAL].language)
    package = {**request.app[CONSOLE_VIEW].package(package), "read_only": not can_act(visible, request[PRINCIPAL])}
    return web.json_response(package)


@require(*STAFF)
async def reveal(request: web.Request) -> web.Response:
    """The original text of one masked customer message; each reveal is audited."""
    _, uow_factory, clock = _deps(request)
    body = await read_json(request, RevealIn)
    async with uow_factory() as uow:
        try:
            conversation = await visible_conversation(request, uow)
            text = await staff_view.reveal(uow, conversation, body.message_id, request[PRINCIPAL], clock())
        except staff_view.NotRevealable as exc:
            raise ApiError(404, str(exc)) from None
        await uow.commit()
    return web.json_response({"message_id": body.message_id, "text": text})


reveal.body_model = RevealIn


@require(*STAFF)
async def claim(request: web.Request) -> web.Response:
    desk, _, _ = _deps(request)
    await _run(desk.claim(request.match_info["conversation_id"], request[PRINCIPAL]))
    return web.json_response({"status": "assigned"})


@require(*STAFF)
async def reply(request: web.Request) -> web.Response:
    desk, _, _ = _deps(request)
    body = await read_json(request, ReplyIn)
    outcome = await _run(desk.reply(request.match_info["conversation_id"], request[PRINCIPAL], body.text, body.confirm,
                                    body.entry_id))
    warnings = warnings_of(outcome)
    if outcome.sent is None:
        raise ApiError(422, "the reply guard found something: fix the text, or resend with confirm=true",
                       NEEDS_CONFIRMATION, warnings=warnings)
    return web.json_response({"message": outcome.sent, "warnings": warnings})


@require(*STAFF)
async def note(request: web.Request) -> web.Response:
    desk, _, _ = _deps(request)
    body = await read_json(request, TextIn)
    return web.json_response(await _run(desk.note(request.match_info["conversation_id"], request[PRINCIPAL], body.text)),
                             status=201)


@require(*STAFF)
async def transfer(request: web.Request) -> web.Response:
    desk, _, _ = _deps(request)
    body = await read_json(request, TransferIn)
    await _run(desk.transfer(request.match_info["conversation_id"], request[PRINCIPAL], body.to_user_id))
    return web.json_response({"status": "transferred"})


@require(*STAFF)
async def resolve(request: web.Request) -> web.Response:
    desk, _, _ = _deps(request)
    await _run(desk.resolve(request.match_info["conversation_id"], request[PRINCIPAL]))
    return web.json_response({"status": "resolved"})


@require(Role.AGENT, Role.SUPERVISOR)
async def presence(request: web.Request) -> web.Response:
    desk, _, _ = _deps(request)
    body = await read_json(request, PresenceIn)
    return web.json_response(await _run(desk.set_presence(request[PRINCIPAL], body.status, body.capacity)))


class ComplaintIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conversation_id: str = Field(min_length=1, max_length=64)
    category: str
    severity: str
    demand: str = "other"
    evidence_message_ids: list[int] = Field(default_factory=list, max_length=100)


class ComplaintUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str | None = None
    owner_id: int | None = None
    root_cause: str | None = Field(None, max_length=5000)
    clock_met: str | None = Field(None, description="contact, plan, supervisor, process or update")


@require(*STAFF)
async def open_complaint(request: web.Request) -> web.Response:
    body = await read_json(request, ComplaintIn)
    created = await _run(request.app[COMPLAINTS].open(request[PRINCIPAL], body.conversation_id, body.category,
                                                     body.severity, body.demand, body.evidence_message_ids))
    return web.json_response(created, status=201)


@require(*STAFF)
async def update_complaint(request: web.Request) -> web.Response:
    body = await read_json(request, ComplaintUpdateIn)
    updated = await _run(request.app[COMPLAINTS].update(request[PRINCIPAL], request.match_info["complaint_id"],
                                                       **body.model_dump()))
    return web.json_response(updated)


@require(*SUPERVISORS)
async def complaints(request: web.Request) -> web.Response:
    _, uow_factory, _ = _deps(request)
    async with uow_factory() as uow:
        return web.json_response({"complaints": await uow.console.complaints(request.query.get("status"))})


def add_routes(app: web.Application, desk: Desk, uow: StaffUnitOfWorkFactory, clock: Clock,
               calendar: CalendarSource = ServiceClocks, *, mask_pii: bool = False) -> None:
    app[DESK] = desk
    app[CONSOLE_VIEW] = staff_view.ConsoleView(mask_pii)
    app[STORE] = (uow, clock)
    app[COMPLAINTS] = ComplaintRegister(uow, clock, calendar)
    r = app.router
    base = "/api/conversations/{conversation_id}"
    r.add_get("/api/conversations", list_conversations)
    r.add_get(base, get_conversation)
    r.add_post(base + "/claim", claim)
    r.add_post(base + "/reply", reply)
    r.add_post(base + "/note", note)
    r.add_post(base + "/reveal", reveal)
    r.add_post(base + "/transfer", transfer)
    r.add_post(base + "/resolve", resolve)
    r.add_post("/api/agents/me/presence", presence)
    r.add_get("/api/complaints", complaints)
    r.add_post("/api/complaints", open_complaint)
    r.add_post("/api/complaints/{complaint_id}", update_complaint)
