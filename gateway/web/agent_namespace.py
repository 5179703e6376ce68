"""The console's live channel, namespace `/agent`.

Rooms: `staff` (every agent and supervisor), `supervisors`, `user:<id>` for one person,
and `watch:<conversation id>` for the sockets that have that conversation open; events are
addressed to rooms, never to sockets, so any process can send them.
"""
from __future__ import annotations

import asyncio
import logging
from http.cookies import SimpleCookie

import socketio
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway.bus import MessageBus
from gateway.conversations.channel_port import ChannelRegistry
from gateway.socket_acks import error, validation_error
from gateway.clock import Clock
from gateway.conversations.events import BotMessageStored, CustomerMessageStored, CustomerTyping, DeliveryChanged
from gateway.conversations.model import ConcurrentUpdate, Status
from gateway.conversations.ports import only_reading
from gateway.privacy.staff_view import ConsoleView
from gateway.web.services import StaffUnitOfWorkFactory
from handoff.accounts import Accounts
from handoff.staff import Role, StaffMember
from gateway.web.handoff_errors import socket_code
from gateway.web.agent_actions import NEEDS_CONFIRMATION, ReplyFields, TextFields, TransferFields, warnings_of
from gateway.web.auth import COOKIE
from handoff.desk import Desk
from handoff.errors import HandoffRefused
from handoff.events import (QUEUE_REDRAW_SHARE, ComplaintClockBreached, ConversationAssigned, NobodyOnline,
                            QueueChanged, SlaBreach, SlaWarning, StaffMessage)

log = logging.getLogger(__name__)
NAMESPACE = "/agent"
STAFF_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


class Target(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    conversation_id: str = Field(min_length=1, max_length=64)


class ReplyIn(Target, ReplyFields):
    pass


class TransferIn(Target, TransferFields):
    pass


class NoteIn(Target, TextFields):
    pass


class WatchIn(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    conversation_id: str | None = Field(None, min_length=1, max_length=64)


def _watch_room(conversation_id: str) -> str:
    return f"watch:{conversation_id}"


def _user_room(user_id: int | None) -> str | None:
    return f"user:{user_id}" if user_id is not None else None


class SessionEnded(Exception):
    """The login this socket was opened with was logged out, expired or went idle."""


class AgentNamespace(socketio.AsyncNamespace):
    def __init__(self, accounts: Accounts, desk: Desk, uow: StaffUnitOfWorkFactory, clock: Clock, bus: MessageBus,
                 channels: ChannelRegistry, mask_pii: bool = False):
        super().__init__(NAMESPACE)
        self._accounts, self._desk, self._uow, self._clock = accounts, desk, uow, clock
        self._channels = channels
        self._view = ConsoleView(mask_pii)
        bus.subscribe_latest(QueueChanged, self._queue_changed, share=QUEUE_REDRAW_SHARE)
        bus.subscribe(ConversationAssigned, self._assigned)
        bus.subscribe(StaffMessage, self._staff_message)
        bus.subscribe(CustomerMessageStored, self._customer_message)
        bus.subscribe(BotMessageStored, self._bot_message)
        bus.subscribe(CustomerTyping, self._customer_typing)
        bus.subscribe(DeliveryChanged, self._delivery_changed)
        bus.subscribe(SlaWarning, self._sla_warning)
        bus.subscribe(SlaBreach, self._sla_breach)
        bus.subscribe(ComplaintClockBreached, self._complaint_clock)
        self._closing: set[asyncio.Task] = set()
        bus.subscribe(NobodyOnline, self._nobody_online)

    # -- connection -----------------------------------------------------------------------
    async def on_connect(self, sid, environ, auth=None):
        token = auth.get("token") if isinstance(auth, dict) else None
        if not token:
            cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
            token = cookie[COOKIE].value if COOKIE in cookie else None
        principal = await self._accounts.principal(token) if isinstance(token, str) else None
        if principal is None:
            raise socketio.exceptions.ConnectionRefusedError("log in first", {"code": "unauthorized"})
        if principal.role not in STAFF_ROLES:
            raise socketio.exceptions.ConnectionRefusedError("agents and supervisors only", {"code": "forbidden"})
        # The token, not the principal, is kept: every action re-reads it, so a logout, an
        # expiry or a role change counts at once, not only at the next connect.
        await self.save_session(sid, {"token": token})
        await self.enter_room(sid, "staff")
        await self.enter_room(sid, _user_room(principal.user_id))
        if principal.role in (Role.SUPERVISOR, Role.ADMIN):
            await self.enter_room(sid, "supervisors")

    async def trigger_event(self, event, *args):
        if event in ("connect", "disconnect"):
            if self.server.manager.is_connected(args[0], self.namespace):
                return error("unknown_event", f"unknown event {event!r}")
            return await super().trigger_event(event, *args)
        if not hasattr(self, f"on_{event}"):
            return error("unknown_event", f"unknown event {event!r}")
        try:
            return await super().trigger_event(event, *args)
        except ValidationError as exc:
            return validation_error(exc)
        except HandoffRefused as exc:
            return error(socket_code(exc), str(exc))
        except ConcurrentUpdate:
            return error("conflict", "someone else changed this conversation first")
        except SessionEnded:
            self._spawn(self._close_if_ended([args[0]]))
            return error("unauthorized", "your session ended; log in again")
        except Exception:
            log.exception("agent event failed", extra={"event": event})
            return error("internal", "the server could not handle this event; try again")

    async def _principal(self, sid) -> StaffMember:
        principal = await self._accounts.principal((await self.get_session(sid))["token"])
        if principal is None or principal.role not in STAFF_ROLES:
            raise SessionEnded()
        return principal

    # -- sessions that end ----------------------------------------------------------------
    def sessions_ended(self, user_id: int, token: str | None) -> None:
        """After a logout: close this process's sockets of that login (or of every login of
        that person). Other processes close theirs at their next sweep or action."""
        sids = [sid for sid, _ in self.server.manager.get_participants(NAMESPACE, _user_room(user_id))]
        self._spawn(self._close_if_ended(sids, token))

    async def sweep_sessions(self) -> None:
        """Closes every socket here whose login has ended: run periodically, so a logout
        made through another process, an expiry or an idle timeout cuts live feeds too."""
        await self._close_if_ended([sid for sid, _ in self.server.manager.get_participants(NAMESPACE, "staff")])

    async def _close_if_ended(self, sids: list[str], token: str | None = None) -> None:
        for sid in sids:
            try:
                session = await self.get_session(sid)
            except KeyError:  # disconnected meanwhile
                continue
            if token is not None and session.get("token") != token:
                continue
            if token is not None or await self._accounts.principal(session.get("token")) is None:
                await self.emit("session_ended", {}, to=sid)
                await self.disconnect(sid)

    def _spawn(self, work) -> None:
        self._closing.add(task := asyncio.create_task(work))
        task.add_done_callback(self._closing.discard)

    # -- what agents do -------------------------------------------------------------------
    async def on_queue(self, sid, data=None, *_):
        await self._principal(sid)
        async with self._uow() as uow:
            return {"conversations": self._view.rows(await uow.console.queue_rows(self._clock()))}

    async def on_claim(self, sid, data=None, *_):
        target = Target.model_validate(data if isinstance(data, dict) else {})
        await self._desk.claim(target.conversation_id, await self._principal(sid))
        return {"status": "assigned"}

    async def on_reply(self, sid, data=None, *_):
        body = ReplyIn.model_validate(data if isinstance(data, dict) else {})
        outcome = await self._desk.reply(body.conversation_id, await self._principal(sid), body.text, body.confirm,
                                         body.entry_id)
        warnings = warnings_of(outcome)
        if outcome.sent is None:
            return error(NEEDS_CONFIRMATION, "the reply guard found something; send again with confirm",
                         warnings=warnings)
        return {"message": outcome.sent, "warnings": warnings}

    async def on_note(self, sid, data=None, *_):
        body = NoteIn.model_validate(data if isinstance(data, dict) else {})
        return await self._desk.note(body.conversation_id, await self._principal(sid), body.text)

    async def on_transfer(self, sid, data=None, *_):
        body = TransferIn.model_validate(data if isinstance(data, dict) else {})
        await self._desk.transfer(body.conversation_id, await self._principal(sid), body.to_user_id)
        return {"status": "transferred"}

    async def on_resolve(self, sid, data=None, *_):
        target = Target.model_validate(data if isinstance(data, dict) else {})
        await self._desk.resolve(target.conversation_id, await self._principal(sid))
        return {"status": "resolved"}

    async def on_watch(self, sid, data=None, *_):
        """The conversation a supervisor's console has open: it hears the bot's side of it too.
        Supervisors only: the bot writes only while it has the conversation, and an agent may
        not read it then (a room, once joined, is not re-checked when the status moves on)."""
        body = WatchIn.model_validate(data if isinstance(data, dict) else {})
        principal = await self._principal(sid)
        if principal.role not in (Role.SUPERVISOR, Role.ADMIN):
            return error("forbidden", "supervisors watch the bot's conversations")
        if body.conversation_id is not None:
            with only_reading():
                async with self._uow() as uow:
                    found = await uow.chats.conversation(body.conversation_id) is not None
            if not found:
                return error("not_found", "no such conversation")
        # After the read: two watches in flight must leave the socket in the later one's room only.
        for room in self.rooms(sid):
            if room.startswith("watch:") and room != _watch_room(body.conversation_id or ""):
                await self.leave_room(sid, room)
        if body.conversation_id is None:
            return {"status": "stopped"}
        await self.enter_room(sid, _watch_room(body.conversation_id))
        return {"status": "watching"}

    async def on_typing(self, sid, data=None, *_):
        target = Target.model_validate(data if isinstance(data, dict) else {})
        principal = await self._principal(sid)
        async with self._uow() as uow:
            conversation = await uow.chats.conversation(target.conversation_id)
        if conversation is None or conversation.status != Status.ASSIGNED or (
                conversation.assignee_id != principal.user_id and principal.role == Role.AGENT):
            return error("forbidden", "type in your own conversations")
        await self._channels.get(conversation.channel).send_typing(conversation.external_chat_id, "agent")
        return None

    async def on_presence(self, sid, data=None, *_):
        data = data if isinstance(data, dict) else {}
        return await self._desk.set_presence(await self._principal(sid), data.get("status"), data.get("capacity"))

    # -- what agents hear -----------------------------------------------------------------
    async def _queue_changed(self, event: QueueChanged) -> None:
        with only_reading():
            async with self._uow() as uow:
                rows = self._view.rows(await uow.console.queue_rows(self._clock()))
        await self.emit("queue", {"conversations": rows, "why": event.why}, room="staff")

    async def _assigned(self, event: ConversationAssigned) -> None:
        payload = {"conversation_id": event.conversation_id, "agent_id": event.agent_id,
                   "agent_name": event.agent_name, "by": event.by}
        await self.emit("conversation_assigned", payload, room=[_user_room(event.agent_id), "supervisors"])

    async def _to_handlers(self, conversation_id: str, assignee_id: int | None, event: str, payload: dict) -> None:
        rooms = [r for r in (_user_room(assignee_id), "supervisors") if r]
        await self.emit(event, payload, room=rooms if assignee_id else ["staff"])

    async def _staff_message(self, event: StaffMessage) -> None:
        await self._to_handlers(event.conversation_id, event.assignee_id, "message",
                                {"conversation_id": event.conversation_id, **event.message.to_staff_event()})

    async def _customer_message(self, event: CustomerMessageStored) -> None:
        if event.status in (Status.QUEUED, Status.ASSIGNED):
            await self._to_handlers(event.message.conversation_id, event.assignee_id, "message",
                                    self._view.message(event.message.to_staff_event()))

    async def _bot_message(self, event: BotMessageStored) -> None:
        await self.emit("message", event.message.to_staff_event(), room=_watch_room(event.message.conversation_id))

    async def _delivery_changed(self, event: DeliveryChanged) -> None:
        async with self._uow() as uow:
            conversation = await uow.chats.conversation(event.conversation_id)
        payload = {"conversation_id": event.conversation_id, "message_id": event.message_id,
                   "status": event.status, "attempts": event.attempts, "error": event.error}
        await self._to_handlers(event.conversation_id, conversation.assignee_id if conversation else None,
                                "delivery", payload)

    async def _customer_typing(self, event: CustomerTyping) -> None:
        async with self._uow() as uow:
            conversation = await uow.chats.conversation(event.conversation_id)
        if conversation is not None and conversation.status in (Status.QUEUED, Status.ASSIGNED):
            await self._to_handlers(conversation.id, conversation.assignee_id, "typing",
                                    {"conversation_id": conversation.id, "sender": "customer"})

    async def _sla_warning(self, event: SlaWarning) -> None:
        await self._to_handlers(event.conversation_id, event.assignee_id, "sla_warning",
                                {"conversation_id": event.conversation_id, "percent": event.percent,
                                 "due_at": event.due_at.isoformat()})

    async def _sla_breach(self, event: SlaBreach) -> None:
        payload = {"conversation_id": event.conversation_id, "due_at": event.due_at.isoformat(),
                   "reassigned": event.reassigned}
        await self.emit("sla_breach", payload, room=[r for r in (_user_room(event.assignee_id), "supervisors") if r])

    async def _complaint_clock(self, event: ComplaintClockBreached) -> None:
        await self.emit("sla_breach", {"conversation_id": event.conversation_id, "complaint_id": event.complaint_id,
                                       "clock": event.kind, "due_at": event.due_at.isoformat()}, room="supervisors")

    async def _nobody_online(self, event: NobodyOnline) -> None:
        await self.emit("no_agents_online", {"conversation_id": event.conversation_id, "kind": event.kind,
                                             "queued_at": event.queued_at.isoformat(),
                                             "due_at": event.due_at.isoformat()}, room="supervisors")
