"""The pipeline's unit of work in memory, for unit tests of the domain without a database.

It keeps the promises the SQL one keeps, and the storage contract suite holds it to them
on the same cases: a unit sees its own writes and nothing of another's until that one
commits; what is not committed is gone; a message id, a bot reply to a message and a
customer's identity on a channel exist once (StoreConflict); a status change checks the
version it read (ConcurrentUpdate). Every call yields to the event loop once, so
concurrent units interleave as they do against a real database. One liberty: a row two
units change at once keeps the later commit's whole row, where SQL keeps each unit's
columns; the version and stamp checks refuse the changes where that would matter.
"""
from __future__ import annotations

import asyncio
import dataclasses
import itertools
import uuid
from datetime import datetime
from typing import Any

from gateway.conversations.commands import Command
from gateway.conversations.model import ConcurrentUpdate, Status, Transition
from gateway.conversations.ports import ConversationRecord, DeliveryRecord, NewMessage, StoreConflict
from gateway.conversations.views import MessageView
from gateway.audit import AuditEntry
from handoff.ports import ComplaintRecord, StaffAccount
from tests.memory_desk import ClockRow, HandoffRow, MemoryAuditLog, MemoryDeskStore, MemoryWebhookEvents


@dataclasses.dataclass
class Tables:
    """Every value is immutable or replaced whole, so a shallow copy is a snapshot."""
    identities: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)  # (channel, user) -> customer
    customers: dict[str, str | None] = dataclasses.field(default_factory=dict)  # id -> display name
    conversations: dict[str, ConversationRecord] = dataclasses.field(default_factory=dict)
    opened: list[str] = dataclasses.field(default_factory=list)  # conversation ids, oldest first
    messages: dict[int, MessageView] = dataclasses.field(default_factory=dict)
    replies: dict[int, int] = dataclasses.field(default_factory=dict)  # message id -> bot reply id
    events: list[tuple[str, str | None, str, str, str]] = dataclasses.field(default_factory=list)
    last_message_at: dict[str, datetime] = dataclasses.field(default_factory=dict)
    deliveries: dict[int, DeliveryRecord] = dataclasses.field(default_factory=dict)
    outbox: list[tuple[Command, str | None]] = dataclasses.field(default_factory=list)
    proposals: dict[tuple[str, str], dict] = dataclasses.field(default_factory=dict)
    # hand-off's side
    handoffs: dict[int, HandoffRow] = dataclasses.field(default_factory=dict)
    accounts: dict[int, StaffAccount] = dataclasses.field(default_factory=dict)
    presence: dict[int, tuple[str, int, datetime]] = dataclasses.field(default_factory=dict)
    complaints: dict[str, str] = dataclasses.field(default_factory=dict)  # complaint id -> conversation id
    complaint_records: dict[str, ComplaintRecord] = dataclasses.field(default_factory=dict)
    serials: dict[tuple[str, str], int] = dataclasses.field(default_factory=dict)  # (day, channel) -> last
    clocks: dict[tuple[str, str], ClockRow] = dataclasses.field(default_factory=dict)  # (complaint, kind) ->
    ratings: dict[int, tuple[int, str | None]] = dataclasses.field(default_factory=dict)  # hand-off id ->
    notes: list[tuple[int, str, int, str]] = dataclasses.field(default_factory=list)
    guard_hits: list[tuple[str, int, str, bool]] = dataclasses.field(default_factory=list)
    audit: list[AuditEntry] = dataclasses.field(default_factory=list)
    webhook_events: list[tuple[str, dict]] = dataclasses.field(default_factory=list)

    def copy(self) -> Tables:
        return Tables(**{f.name: getattr(self, f.name).copy() for f in dataclasses.fields(self)})


class MemoryDatabase:
    def __init__(self):
        self.tables = Tables()
        self.ids = itertools.count(1)  # like a sequence: a rolled-back insert leaves a gap
        self.commits = 0

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)


class MemoryUnitOfWork:
    def __init__(self, database: MemoryDatabase):
        self._db = database

    async def __aenter__(self) -> MemoryUnitOfWork:
        self.work = self._db.tables.copy()
        self.checks: list[Any] = []  # re-run against the committed tables at commit
        self.bumped: dict[str, int] = {}  # conversation id -> the committed version first changed
        self.chats = MemoryChatStore(self)
        self.deliveries = MemoryDeliveryLog(self)
        self.outbox = MemoryOutbox(self)
        self.proposals = MemoryProposals(self)
        self.desk = MemoryDeskStore(self)
        self.audit = MemoryAuditLog(self)
        self.webhook_events = MemoryWebhookEvents(self)
        self._base = self._db.tables.copy()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.work = None  # nothing uncommitted survives, and a late use fails loudly

    async def commit(self) -> None:
        live = self._db.tables
        for check in self.checks:
            check(live)
        merged = live.copy()
        for field in dataclasses.fields(Tables):
            mine, base, into = (getattr(t, field.name) for t in (self.work, self._base, merged))
            if isinstance(mine, dict):  # rows this unit added or replaced
                into.update({k: v for k, v in mine.items() if k not in base or base[k] != v})
            else:  # rows this unit appended
                into.extend(mine[len(base):])
        self._db.tables = merged
        self._db.commits += 1
        self.checks, self.bumped = [], {}
        self._base = merged.copy()
        self.work = merged.copy()


def _unique(table: str, key, what: str):
    def check(tables: Tables) -> None:
        if key in getattr(tables, table):
            raise StoreConflict(f"{what} exists already")
    return check


class MemoryChatStore:
    def __init__(self, uow: MemoryUnitOfWork):
        self._uow = uow

    @property
    def _t(self) -> Tables:
        return self._uow.work

    async def conversation(self, conversation_id: str) -> ConversationRecord | None:
        await asyncio.sleep(0)
        return self._t.conversations.get(conversation_id)

    async def latest_for_chat(self, channel: str, external_chat_id: str) -> ConversationRecord | None:
        await asyncio.sleep(0)
        for conversation_id in reversed(self._t.opened):
            c = self._t.conversations[conversation_id]
            if (c.channel, c.external_chat_id) == (channel, external_chat_id):
                return c
        return None

    async def open_conversation(self, channel: str, external_chat_id: str, external_user_id: str,
                                display_name: str | None, at: datetime) -> ConversationRecord:
        await asyncio.sleep(0)
        identity = (channel, external_user_id)
        customer_id = self._t.identities.get(identity)
        if customer_id is None:
            customer_id = uuid.uuid4().hex
            self._t.customers[customer_id] = display_name
            self._t.identities[identity] = customer_id
            self._uow.checks.append(_unique("identities", identity, "that customer's identity"))
        record = ConversationRecord(uuid.uuid4().hex, customer_id, channel, external_chat_id, Status.BOT, 1)
        self._t.conversations[record.id] = record
        self._t.opened.append(record.id)
        self._t.events.append((record.id, None, Status.BOT, "customer", f"first contact on {channel}"))
        return record

    async def message(self, message_id: int) -> MessageView | None:
        await asyncio.sleep(0)
        return self._t.messages.get(message_id)

    async def message_by_client_id(self, conversation_id: str, client_msg_id: str) -> MessageView | None:
        await asyncio.sleep(0)
        return next((m for m in self._t.messages.values()
                     if (m.conversation_id, m.client_msg_id) == (conversation_id, client_msg_id)), None)

    async def message_in_chat(self, channel: str, external_chat_id: str, client_msg_id: str) -> MessageView | None:
        await asyncio.sleep(0)
        for message in sorted(self._t.messages.values(), key=lambda m: m.id, reverse=True):
            c = self._t.conversations[message.conversation_id]
            if (c.channel, c.external_chat_id, message.client_msg_id) == (channel, external_chat_id, client_msg_id):
                return message
        return None

    async def history(self, conversation_id: str, *, up_to: int | None = None, last: int = 500) -> list[MessageView]:
        await asyncio.sleep(0)
        newest = sorted((m for m in self._t.messages.values() if m.conversation_id == conversation_id),
                        key=lambda m: m.id)[-last:]
        return [m for m in newest if up_to is None or m.id <= up_to]

    async def bot_replied_to(self, message_id: int) -> bool:
        await asyncio.sleep(0)
        return message_id in self._t.replies

    async def add_message(self, conversation_id: str, sender: str, text: str, at: datetime, *,
                          client_msg_id: str | None = None, reply_to_id: int | None = None,
                          meta: dict | None = None) -> MessageView:
        await asyncio.sleep(0)
        meta = dict(meta or {})
        message = MessageView(next(self._uow._db.ids), conversation_id, sender, text, at, client_msg_id,
                              tuple(meta.get("quick_replies", ())), meta)
        if client_msg_id is not None:
            if await self.message_by_client_id(conversation_id, client_msg_id) is not None:
                raise StoreConflict(f"message {client_msg_id} is stored already")
            self._uow.checks.append(self._client_id_free(conversation_id, client_msg_id))
        if reply_to_id is not None:
            if reply_to_id in self._t.replies:
                raise StoreConflict(f"message {reply_to_id} has a bot reply already")
            self._t.replies[reply_to_id] = message.id
            self._uow.checks.append(_unique("replies", reply_to_id, "that bot reply"))
        self._t.messages[message.id] = message
        return message

    @staticmethod
    def _client_id_free(conversation_id: str, client_msg_id: str):
        def check(tables: Tables) -> None:
            if any((m.conversation_id, m.client_msg_id) == (conversation_id, client_msg_id)
                   for m in tables.messages.values()):
                raise StoreConflict(f"message {client_msg_id} is stored already")
        return check

    async def transition(self, conversation: ConversationRecord, change: Transition, at: datetime,
                         **columns: Any) -> ConversationRecord:
        bumped = await self._bump(conversation, status=change.to_status,
                                  **{k: v for k, v in columns.items() if k == "assignee_id"})
        self._t.events.append((conversation.id, change.from_status, change.to_status, change.actor, change.reason))
        return bumped

    async def touch(self, conversation: ConversationRecord, at: datetime) -> ConversationRecord:
        return await self._bump(conversation)

    async def _bump(self, conversation: ConversationRecord, **changes: Any) -> ConversationRecord:
        await asyncio.sleep(0)
        # As in SQL, an update sees the latest committed row plus this unit's own writes: the
        # version it read must be current here, and nobody may have committed over the row
        # since this unit first changed it (checked again at commit).
        first = self._uow.bumped.setdefault(conversation.id, conversation.version)

        def unchanged_since(version: int):
            def check(tables: Tables) -> None:
                current = tables.conversations.get(conversation.id)
                if current is None or current.version != version:
                    raise ConcurrentUpdate(f"conversation {conversation.id} changed concurrently")
            return check

        committed = conversation.id in self._uow._base.conversations  # else opened by this unit itself
        try:
            if committed:
                unchanged_since(first)(self._uow._db.tables)
            unchanged_since(conversation.version)(self._t)
        except ConcurrentUpdate:
            if first == conversation.version:
                del self._uow.bumped[conversation.id]
            raise
        bumped = dataclasses.replace(self._t.conversations[conversation.id], version=conversation.version + 1,
                                     **changes)
        self._t.conversations[conversation.id] = bumped
        if committed and first == conversation.version:
            self._uow.checks.append(unchanged_since(first))
        return bumped

    async def customers_wrote(self, conversation_ids: set[str], at: datetime) -> None:
        await asyncio.sleep(0)
        for conversation_id in conversation_ids:
            self._t.last_message_at[conversation_id] = at

    async def latest_for_chats(self, chats: list[tuple[str, str]]) -> dict[tuple[str, str], ConversationRecord]:
        found = {chat: await self.latest_for_chat(*chat) for chat in chats}
        return {chat: c for chat, c in found.items() if c is not None}

    async def messages_by_client_ids(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], MessageView]:
        found = {key: await self.message_by_client_id(*key) for key in keys}
        return {key: m for key, m in found.items() if m is not None}

    async def add_messages(self, messages: list[NewMessage]) -> list[MessageView]:
        return [await self.add_message(m.conversation_id, m.sender, m.text, m.at, client_msg_id=m.client_msg_id,
                                       meta=m.meta) for m in messages]


class MemoryDeliveryLog:
    def __init__(self, uow: MemoryUnitOfWork):
        self._uow = uow

    async def delivery(self, message_id: int) -> DeliveryRecord | None:
        await asyncio.sleep(0)
        return self._uow.work.deliveries.get(message_id)

    async def record_delivery(self, message_id: int, channel: str, status: str, at: datetime, *,
                              attempts: int | None = None, error: str | None = None,
                              external_ids: list[str] | None = None) -> DeliveryRecord:
        await asyncio.sleep(0)
        earlier = self._uow.work.deliveries.get(message_id)
        record = DeliveryRecord(status, attempts if attempts is not None else (earlier.attempts if earlier else 0))
        self._uow.work.deliveries[message_id] = record
        return record


class MemoryOutbox:
    def __init__(self, uow: MemoryUnitOfWork):
        self._uow = uow

    def issue(self, command: Command, at: datetime, conversation_id: str | None = None) -> None:
        self._uow.work.outbox.append((command, conversation_id))


class MemoryProposals:
    def __init__(self, uow: MemoryUnitOfWork):
        self._uow = uow

    async def propose_alternate(self, entry_id: str, text: str, source: str, conversation_id: str,
                                message_id: int | None, at: datetime) -> bool:
        await asyncio.sleep(0)
        if (entry_id, text) in self._uow.work.proposals:
            return False
        self._uow.work.proposals[(entry_id, text)] = {"source": source, "conversation_id": conversation_id,
                                                       "message_id": message_id}
        return True
