"""Web chat over Socket.IO, namespace `/chat`: the widget's side of the channel seam.

A browser is known only by its signed visitor token; every socket of one visitor joins
the room `web:<visitor id>`, and all output is addressed to that room.
"""
from __future__ import annotations

import asyncio
import logging

import socketio
from sqlalchemy.exc import SQLAlchemyError

from gateway.bus import MessageBus
from gateway.conversations.channel_port import CsatRefused, InboundMessage, OutputChannel
from gateway.channels.rate_limit import BucketsByKey, TokenBucket
from gateway.channels.visitor_tokens import InvalidVisitorToken, VisitorTokens
from gateway.channels.webchat_payloads import ChatMessageIn, CsatIn, TypingIn
from gateway.socket_acks import error, parse
from gateway.conversations.events import CustomerMessageStored, CustomerTyping
from gateway.conversations.intake import Intake
from gateway.conversations.model import ConcurrentUpdate
from gateway.conversations.views import HandoffStatus, MessageView
from gateway.logs import conversation_context
from gateway.client_address import ClientAddress

log = logging.getLogger(__name__)


NAMESPACE = "/chat"
CHANNEL = "web"
# Room for a burst of 20 messages, then one every two seconds.
BURST = 20
REFILL_PER_SECOND = 0.5


def room(visitor_id: str) -> str:
    return f"{CHANNEL}:{visitor_id}"


class WebChatOutput(OutputChannel):
    name = CHANNEL

    def __init__(self, sio: socketio.AsyncServer):
        self._sio = sio

    async def send_text(self, chat_id: str, message: MessageView) -> list[str]:
        await self._sio.emit("message", message.to_event(), room=room(chat_id), namespace=NAMESPACE)
        return []

    async def send_handoff(self, chat_id: str, status: HandoffStatus) -> None:
        await self._sio.emit("handoff", status.to_event(), room=room(chat_id), namespace=NAMESPACE)

    async def send_typing(self, chat_id: str, sender: str) -> None:
        await self._sio.emit("typing", {"sender": sender}, room=room(chat_id), namespace=NAMESPACE)

    async def send_csat_request(self, chat_id: str) -> None:
        await self._sio.emit("csat_request", {}, room=room(chat_id), namespace=NAMESPACE)


class ChatNamespace(socketio.AsyncNamespace):
    def __init__(self, intake: Intake, tokens: VisitorTokens, bus: MessageBus, record_csat=None, *,
                 addresses: ClientAddress | None = None, connects_per_minute: int = 0,
                 messages_per_minute: int = 0):
        super().__init__(NAMESPACE)
        # Per connection alone, one client opening many sockets (or visitors) would multiply
        # its allowance; these count everything from one address.
        self._addresses = addresses or ClientAddress()
        self._connects = BucketsByKey(connects_per_minute)
        self._messages_by_address = BucketsByKey(messages_per_minute)
        self._record_csat = record_csat  # (conversation_id, score, comment) -> None
        self._intake = intake
        self._tokens = tokens
        self._bus = bus
        self._buckets: dict[str, TokenBucket] = {}
        self._welcomes: set[asyncio.Task] = set()
        bus.subscribe(CustomerMessageStored, self._echo_to_other_tabs)

    async def trigger_event(self, event, *args):
        if event in ("connect", "disconnect"):
            # The server raises these while the socket is not (or no longer) counted as
            # connected; from a connected client they are forgeries that would reset its
            # rate limit or open a second conversation.
            if self.server.manager.is_connected(args[0], self.namespace):
                return _unknown_event(event)
            return await super().trigger_event(event, *args)
        if not hasattr(self, f"on_{event}"):
            return _unknown_event(event)
        try:
            return await super().trigger_event(event, *args)
        except Exception:
            # Without an ack the client would wait for its timeout, not knowing why.
            log.exception("chat event failed", extra={"event": event})
            return error("internal", "the server could not handle this event; try again")

    async def on_connect(self, sid, environ, auth=None):
        address = self._addresses.of_environ(environ)
        wait = self._connects.take(address)
        if wait:
            raise socketio.exceptions.ConnectionRefusedError(
                "too many connections from your network; try again shortly",
                {"code": "rate_limited", "retry_after": round(wait, 1)})
        token = auth.get("visitor_token") if isinstance(auth, dict) else None
        if token is None:
            visitor_id, token = self._tokens.new_visitor()
        else:
            try:
                visitor_id = self._tokens.verify(token)
            except InvalidVisitorToken as exc:
                raise socketio.exceptions.ConnectionRefusedError(exc.message, {"code": exc.code}) from None
            # Renewed on every connect, so a visitor who keeps coming back never expires.
            token = self._tokens.issue(visitor_id)
        try:
            conversation = await self._intake.open(CHANNEL, visitor_id, visitor_id)
        except SQLAlchemyError:
            log.exception("could not open a conversation")
            raise socketio.exceptions.ConnectionRefusedError(
                "the service is unavailable, try again shortly", {"code": "unavailable"}
            ) from None
        await self.save_session(sid, {"visitor_id": visitor_id, "conversation_id": conversation.id,
                                      "address": address})
        await self.enter_room(sid, room(visitor_id))
        self._buckets[sid] = TokenBucket(BURST, REFILL_PER_SECOND)
        # Events emitted before the CONNECT packet would reach the client ahead of its
        # own connect: send the session once the server counts the socket as connected.
        task = asyncio.create_task(self._welcome(sid, token, conversation.id))
        self._welcomes.add(task)
        task.add_done_callback(self._welcomes.discard)

    async def _welcome(self, sid: str, token: str, conversation_id: str) -> None:
        for _ in range(500):
            if self.server.manager.is_connected(sid, NAMESPACE):
                break
            await asyncio.sleep(0.01)
        else:
            return
        with conversation_context(conversation_id):
            await self.emit("session", {"visitor_token": token, "conversation_id": conversation_id}, to=sid)
            for message in await self._intake.history(conversation_id):
                await self.emit("message", message.to_event(), to=sid)
            status = await self._intake.handoff_status(conversation_id)
            if status is not None:
                await self.emit("handoff", status.to_event(), to=sid)

    async def on_disconnect(self, sid, reason=None):
        self._buckets.pop(sid, None)

    # Arguments after the payload are ignored: a client adding some must still get an ack.
    async def on_message(self, sid, data=None, *_):
        payload, problem = parse(ChatMessageIn, data)
        if problem:
            return problem
        session = await self.get_session(sid)
        wait = self._buckets[sid].take() or self._messages_by_address.take(session["address"])
        if wait:
            return error("rate_limited", "too many messages; slow down", retry_after=round(wait, 1))
        inbound = InboundMessage(
            channel=CHANNEL,
            external_chat_id=session["visitor_id"],
            external_user_id=session["visitor_id"],
            text=payload.text,
            external_message_id=payload.client_msg_id,
        )
        try:
            stored = await self._intake.receive(inbound)
        except (SQLAlchemyError, ConcurrentUpdate):
            log.exception("could not store a customer message")
            return error("unavailable", "the message was not stored; send it again")
        ack = {"id": stored.message.id, "status": "stored"}
        if stored.duplicate:
            ack["duplicate"] = True
        return ack

    async def on_csat(self, sid, data=None, *_):
        payload, problem = parse(CsatIn, data)
        if problem:
            return problem
        session = await self.get_session(sid)
        try:
            await self._record_csat(session["conversation_id"], payload.score, payload.comment)
        except CsatRefused as exc:
            return error("conflict", str(exc))
        return {"status": "stored"}

    async def on_typing(self, sid, data=None, *_):
        _, problem = parse(TypingIn, data if data is not None else {})
        if problem:
            return problem
        session = await self.get_session(sid)
        await self._bus.publish(CustomerTyping(session["conversation_id"], CHANNEL, session["visitor_id"]))
        return None

    async def _echo_to_other_tabs(self, event: CustomerMessageStored) -> None:
        if event.channel == CHANNEL:
            await self.emit("message", event.message.to_event(), room=room(event.external_chat_id))


def _unknown_event(event) -> dict:
    return error("unknown_event", f"unknown event {event!r}")
