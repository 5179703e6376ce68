"""Inbound: every customer message is stored, with its bot turn queued, before it is
acknowledged. One pipeline for every channel. Messages that arrive together share a commit
(group_commit.py), on the ack path: the store lets them in ahead of the bot's writes."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from gateway.bus import MessageBus
from gateway.clock import Clock
from gateway.conversations.channel_port import InboundMessage
from gateway.conversations.commands import DeliverMessage, RunBotTurn
from gateway.conversations.events import CustomerMessageStored
from gateway.conversations.model import MAX_TEXT_LENGTH, ConcurrentUpdate, Sender, Status, plan_transition
from gateway.conversations.group_commit import GroupCommit
from gateway.conversations.ports import (ConversationRecord, HandoffPort, NewMessage, PipelineUnitOfWork,
                                         PipelineUnitOfWorkFactory, StoreConflict, ack_path)
from gateway.conversations.views import ConversationRef, HandoffStatus, MessageView
from gateway.conversations.webhook_events import record_conversation, record_message
from gateway.logs import conversation_context

log = logging.getLogger(__name__)

# A lost race is settled by reading again: the winner has committed by then, so the
# second try normally succeeds. Bounded, so a persistent failure still surfaces.
STORE_ATTEMPTS = 3


@dataclass(frozen=True)
class Stored:
    message: MessageView
    duplicate: bool


def _ref(conversation: ConversationRecord) -> ConversationRef:
    return ConversationRef(conversation.id, conversation.status, conversation.channel, conversation.external_chat_id)


class Intake:
    def __init__(self, uow_factory: PipelineUnitOfWorkFactory, clock: Clock, bus: MessageBus, *,
                 handoffs: HandoffPort):
        self._uow = uow_factory
        self._clock = clock
        self._bus = bus
        self._handoffs = handoffs
        self._group: GroupCommit[InboundMessage, tuple[Stored, CustomerMessageStored | None]] = GroupCommit(
            self._store, self._store_alone, conflicts=(StoreConflict, ConcurrentUpdate))

    @property
    def group_commit(self) -> GroupCommit:
        return self._group

    async def open(
        self, channel: str, external_chat_id: str, external_user_id: str, *, display_name: str | None = None
    ) -> ConversationRef:
        """The chat's current conversation, created (with its customer) on first contact."""
        waiting = ack_path.set(True)  # a customer waits on this to start chatting
        try:
            async with self._uow() as uow:
                conversation = await self._conversation_for(uow, channel, external_chat_id, external_user_id,
                                                            display_name)
                await uow.commit()
                return _ref(conversation)
        finally:
            ack_path.reset(waiting)

    async def handoff_status(self, conversation_id: str) -> HandoffStatus | None:
        """Where a returning customer stands, so a reconnect shows it again."""
        async with self._uow() as uow:
            return await self._handoffs.status(uow, conversation_id, self._clock())

    async def history(self, conversation_id: str) -> list[MessageView]:
        async with self._uow() as uow:
            return await uow.chats.history(conversation_id)

    async def chat_message(self, channel: str, external_chat_id: str, message_id: int) -> MessageView | None:
        """A stored message, only if it belongs to this chat: button presses name one."""
        async with self._uow() as uow:
            message = await uow.chats.message(message_id)
            if message is None:
                return None
            conversation = await uow.chats.conversation(message.conversation_id)
            if (conversation.channel, conversation.external_chat_id) != (channel, external_chat_id):
                return None
            return message

    async def chat_owns(self, channel: str, external_chat_id: str, conversation_id: str) -> bool:
        async with self._uow() as uow:
            conversation = await uow.chats.conversation(conversation_id)
        return conversation is not None and (conversation.channel, conversation.external_chat_id) == (
            channel, external_chat_id)

    async def answer_command(self, channel: str, external_chat_id: str, external_user_id: str, text: str, *,
                             key: str, display_name: str | None = None) -> None:
        """Store and send a fixed answer to a channel command (a greeting, help). `key` makes a
        redelivered command answer once; the bot and the conversation's status are untouched."""
        now = self._clock()
        async with self._uow() as uow:
            conversation = await self._conversation_for(uow, channel, external_chat_id, external_user_id,
                                                        display_name)
            if await uow.chats.message_by_client_id(conversation.id, key) is not None:
                return
            message = await uow.chats.add_message(conversation.id, Sender.BOT, text, now, client_msg_id=key,
                                                  meta={"command": True})
            await record_message(uow.webhook_events, message)
            uow.outbox.issue(DeliverMessage(channel, external_chat_id, message.id), now, conversation.id)
            await uow.commit()

    async def receive(self, inbound: InboundMessage) -> Stored:
        if len(inbound.text) > MAX_TEXT_LENGTH or not (inbound.text or inbound.attachments):
            raise ValueError(f"text must be 1 to {MAX_TEXT_LENGTH} characters, or come with a file")
        if "\x00" in inbound.text:
            # PostgreSQL text cannot hold NUL: refused here on every backend, as the web chat
            # refuses it, rather than failing the insert on one of them.
            raise ValueError("text contains a NUL character")
        stored, event = await self._group.submit(inbound)
        if event is not None:
            # In the sender's own task: a batch's acks do not wait on each other's fan-out.
            await self._bus.publish(event)
        return stored

    async def _store_alone(self, inbound: InboundMessage) -> tuple[Stored, CustomerMessageStored | None]:
        for _ in range(STORE_ATTEMPTS - 1):
            try:
                return (await self._store([inbound]))[0]
            except (ConcurrentUpdate, StoreConflict) as exc:
                # StoreConflict: two deliveries of one client message, or the first contact
                # of a new customer, raced. ConcurrentUpdate: two messages raced to reopen a
                # resolved conversation. Either way the other writer won.
                log.info("storing lost a race; trying again", extra={"error": type(exc).__name__})
        return (await self._store([inbound]))[0]

    async def _store(self, inbounds: list[InboundMessage]) -> list[tuple[Stored, CustomerMessageStored | None]]:
        """In one transaction, in order, a statement per step for the whole batch rather than
        per message. A later message sees an earlier one: a batch is written in parts, a new
        part starting at an edit of a message stored in the part before it."""
        async with self._uow() as uow:
            now = self._clock()  # once the turn at the database has come
            done: list[tuple[Stored, CustomerMessageStored | None]] = []
            for part in _parts(inbounds):
                done += await self._store_part(uow, part, now)
            await uow.commit()
        events = [e for _, e in done if e is not None]
        if events:
            # One line a commit, not a message: under a burst, a line each cost a sixth of the acks.
            conversations = sorted({e.message.conversation_id for e in events})
            with conversation_context(conversations[0] if len(conversations) == 1 else None):
                log.info("customer messages stored", extra={
                    "messages": [e.message.id for e in events], "conversations": conversations,
                    "channels": sorted({e.channel for e in events})})
        return done

    async def _store_part(self, uow: PipelineUnitOfWork, inbounds: list[InboundMessage],
                          now) -> list[tuple[Stored, CustomerMessageStored | None]]:
        conversations = await self._conversations(uow, inbounds)
        existing = await uow.chats.messages_by_client_ids(sorted({
            (conversations[i.channel, i.external_chat_id].id, i.external_message_id)
            for i in inbounds if i.external_message_id is not None}))
        # Per message: its conversation as it stands after it, or where the copy it repeats is.
        planned: list[tuple[InboundMessage, ConversationRecord, dict] | int] = []
        first_of: dict[tuple[str, str], int] = {}
        for inbound in inbounds:
            key = (inbound.channel, inbound.external_chat_id)
            conversation = conversations[key]
            client_key = (conversation.id, inbound.external_message_id)
            if inbound.external_message_id is not None:
                if client_key in first_of:
                    planned.append(first_of[client_key])
                    continue
                if client_key in existing:
                    planned.append(-1)
                    continue
                first_of[client_key] = len(planned)
            meta = _inbound_meta(inbound)
            if inbound.edit_of is not None:
                # A correction is a new record pointing at the old one, never an overwrite;
                # it neither reopens a closed conversation nor asks the bot again.
                original = await uow.chats.message_in_chat(inbound.channel, inbound.external_chat_id, inbound.edit_of)
                meta["edit_of"] = original.id if original is not None else None
            elif conversation.status == Status.RESOLVED:
                change = plan_transition(Status.RESOLVED, Status.BOT, actor="customer", reason="customer wrote again")
                conversation = conversations[key] = await uow.chats.transition(
                    conversation, change, now, resolved_at=None)
            planned.append((inbound, conversation, meta))
        new = [p for p in planned if isinstance(p, tuple)]
        views = iter(await uow.chats.add_messages([
            NewMessage(c.id, Sender.CUSTOMER, i.text, now, client_msg_id=i.external_message_id, meta=meta)
            for i, c, meta in new]))
        await uow.chats.customers_wrote({c.id for _, c, _ in new}, now)
        done: list[tuple[Stored, CustomerMessageStored | None]] = []
        for inbound, plan in zip(inbounds, planned):
            if plan == -1:
                conversation = conversations[inbound.channel, inbound.external_chat_id]
                done.append((Stored(existing[conversation.id, inbound.external_message_id], duplicate=True), None))
            elif isinstance(plan, int):
                done.append((Stored(done[plan][0].message, duplicate=True), None))
            else:
                _, conversation, _ = plan
                view = next(views)
                await record_message(uow.webhook_events, view)
                if inbound.edit_of is None:
                    uow.outbox.issue(RunBotTurn(view.id), now, conversation_id=conversation.id)
                done.append((Stored(view, duplicate=False), CustomerMessageStored(
                    inbound.channel, inbound.external_chat_id, view, conversation.status, conversation.assignee_id)))
        return done

    async def _conversations(self, uow: PipelineUnitOfWork,
                             inbounds: list[InboundMessage]) -> dict[tuple[str, str], ConversationRecord]:
        """Each chat's current conversation, read together; one is opened for a first contact."""
        found = await uow.chats.latest_for_chats(sorted({(i.channel, i.external_chat_id) for i in inbounds}))
        for i in inbounds:
            if (i.channel, i.external_chat_id) not in found:
                found[i.channel, i.external_chat_id] = await self._conversation_for(
                    uow, i.channel, i.external_chat_id, i.external_user_id, i.display_name)
        return found

    async def _conversation_for(self, uow: PipelineUnitOfWork, channel: str, chat_id: str, user_id: str,
                                display_name: str | None) -> ConversationRecord:
        conversation = await uow.chats.latest_for_chat(channel, chat_id)
        if conversation is not None:
            return conversation
        now = self._clock()
        opened = await uow.chats.open_conversation(channel, chat_id, user_id, display_name, now)
        await record_conversation(uow.webhook_events, opened, now)
        return opened


def _parts(inbounds: list[InboundMessage]) -> list[list[InboundMessage]]:
    """The batch cut before each edit of a message earlier in the same part, so the edit is
    stored once the message it corrects has its id."""
    parts: list[list[InboundMessage]] = [[]]
    for inbound in inbounds:
        if inbound.edit_of is not None and any(
                (i.channel, i.external_chat_id, i.external_message_id)
                == (inbound.channel, inbound.external_chat_id, inbound.edit_of) for i in parts[-1]):
            parts.append([])
        parts[-1].append(inbound)
    return parts


def _inbound_meta(inbound: InboundMessage) -> dict:
    meta: dict = {}
    if inbound.payload:
        meta["payload"] = inbound.payload
    if inbound.pressed_on is not None:
        meta["pressed_on"] = inbound.pressed_on
    if inbound.attachments:
        meta["attachments"] = [_attachment_meta(a) for a in inbound.attachments[:MAX_ATTACHMENTS]]
    if inbound.language:
        meta["language"] = inbound.language
    return meta


# Files are never fetched by the gateway; what it keeps of one is bounded all the same, so a
# crafted update cannot bloat a row, and a file too large for any later download is marked.
MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # the most a Telegram bot may download
FIELD_LIMITS = {"kind": 32, "file_id": 256, "mime_type": 100, "name": 200}


def _attachment_meta(attachment) -> dict:
    meta = {k: v for k, v in attachment.__dict__.items() if v is not None}
    for field, limit in FIELD_LIMITS.items():
        if isinstance(meta.get(field), str):
            meta[field] = meta[field][:limit]
    if isinstance(meta.get("size"), int) and meta["size"] > MAX_ATTACHMENT_BYTES:
        meta["too_large"] = True
    return meta
