"""Hand-off's side of the memory store: the desk's port, and opening a hand-off as the bot
turn asks for it. Same rules as `tests/memory_store.py`: snapshot reads, checks again at
commit, one yield to the event loop per call."""
from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime

from gateway.conversations.commands import DeliverMessage, SendHandoffStatus
from gateway.conversations.model import Sender, Status
from gateway.conversations.ports import ConversationRecord, HandoffOpened, StoreConflict
from gateway.conversations.views import HandoffStatus
from handoff.desk_ports import AgentOnShift, HandoffRecord, Presence

FIRST_CAPACITY = 5


@dataclasses.dataclass(frozen=True)
class HandoffRow:
    id: int
    conversation_id: str
    kind: str
    priority: int
    queued_at: datetime
    assignee_id: int | None = None
    assigned_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None


class MemoryDeskStore:
    def __init__(self, uow):
        self._uow = uow

    @property
    def _t(self):
        return self._uow.work

    def _open(self, conversation_id: str) -> HandoffRow | None:
        rows = [h for h in self._t.handoffs.values() if h.conversation_id == conversation_id and not h.resolved_at]
        return max(rows, key=lambda h: h.id) if rows else None

    def _change_open(self, conversation_id: str, **changes) -> None:
        row = self._open(conversation_id)
        if row is not None:
            self._t.handoffs[row.id] = dataclasses.replace(row, **changes)

    async def queue_head(self) -> ConversationRecord | None:
        await asyncio.sleep(0)
        waiting = [h for h in self._t.handoffs.values()
                   if not h.resolved_at and self._t.conversations[h.conversation_id].status == Status.QUEUED]
        if not waiting:
            return None
        first = min(waiting, key=lambda h: (h.priority, h.queued_at, h.id))
        return self._t.conversations[first.conversation_id]

    async def agents_online(self) -> list[AgentOnShift]:
        await asyncio.sleep(0)
        load: dict[int, int] = {}
        for c in self._t.conversations.values():
            if c.status == Status.ASSIGNED:
                load[c.assignee_id] = load.get(c.assignee_id, 0) + 1
        online = [(load.get(user_id, 0), since, user_id, capacity)
                  for user_id, (status, capacity, since) in self._t.presence.items()
                  if status == "online" and self._t.accounts[user_id].active]
        return [AgentOnShift(user_id, self._t.accounts[user_id].username, self._t.accounts[user_id].role, capacity, n)
                for n, _, user_id, capacity in sorted(online)]

    async def account(self, user_id: int):
        await asyncio.sleep(0)
        return self._t.accounts.get(user_id)

    async def assign_handoff(self, conversation_id: str, user_id: int, at: datetime) -> None:
        await asyncio.sleep(0)
        self._change_open(conversation_id, assignee_id=user_id, assigned_at=at)

    async def requeue_first(self, conversation_id: str) -> None:
        await asyncio.sleep(0)
        self._change_open(conversation_id, priority=0, assignee_id=None)

    async def close_handoff(self, conversation_id: str, at: datetime) -> None:
        await asyncio.sleep(0)
        self._change_open(conversation_id, resolved_at=at)

    async def first_response(self, conversation_id: str, at: datetime) -> None:
        await asyncio.sleep(0)
        row = self._open(conversation_id)
        if row is not None and row.first_response_at is None:
            self._t.handoffs[row.id] = dataclasses.replace(row, first_response_at=at)

    async def complaint_ids(self, conversation_id: str) -> list[str]:
        await asyncio.sleep(0)
        return sorted(c for c, conversation in self._t.complaints.items() if conversation == conversation_id)

    async def meet_clock(self, complaint_id: str, kind: str, at: datetime) -> bool:
        await asyncio.sleep(0)
        if (complaint_id, kind) not in self._t.clocks or self._t.clocks[(complaint_id, kind)] is not None:
            return False
        self._t.clocks[(complaint_id, kind)] = at
        return True

    async def latest_handoff(self, conversation_id: str) -> HandoffRecord | None:
        await asyncio.sleep(0)
        rows = [h for h in self._t.handoffs.values() if h.conversation_id == conversation_id]
        latest = max(rows, key=lambda h: h.id) if rows else None
        return HandoffRecord(latest.id, latest.conversation_id, latest.resolved_at) if latest else None

    async def rated(self, handoff_id: int) -> bool:
        await asyncio.sleep(0)
        return handoff_id in self._t.ratings

    async def add_csat(self, conversation_id: str, handoff_id: int, score: int, comment: str | None,
                       at: datetime) -> None:
        await asyncio.sleep(0)
        if handoff_id in self._t.ratings:
            raise StoreConflict(f"hand-off {handoff_id} is rated already")
        self._t.ratings[handoff_id] = (score, comment)

        def unrated(tables) -> None:
            if handoff_id in tables.ratings:
                raise StoreConflict(f"hand-off {handoff_id} is rated already")
        self._uow.checks.append(unrated)

    async def add_note(self, conversation_id: str, author_id: int, text: str, at: datetime) -> int:
        await asyncio.sleep(0)
        note_id = next(self._uow._db.ids)
        self._t.notes.append((note_id, conversation_id, author_id, text))
        return note_id

    async def add_guard_hit(self, conversation_id: str, user_id: int, kind: str, excerpt: str, sent_anyway: bool,
                            at: datetime) -> None:
        await asyncio.sleep(0)
        self._t.guard_hits.append((conversation_id, user_id, kind, sent_anyway))

    async def set_presence(self, user_id: int, status: str, capacity: int | None, at: datetime) -> Presence:
        await asyncio.sleep(0)
        earlier = self._t.presence.get(user_id)
        kept = capacity or (earlier[1] if earlier else FIRST_CAPACITY)
        self._t.presence[user_id] = (status, kept, at)
        return Presence(status, kept)


class MemoryHandoffs:
    """The pipeline's `HandoffPort` on the memory store: a queue entry per hand-off, its place
    by priority then time, and the customer's notice through the outbox."""

    def __init__(self, priority_of=lambda details: 1):
        self._priority_of = priority_of

    async def status(self, uow, conversation_id: str, at: datetime) -> HandoffStatus | None:
        conversation = await uow.chats.conversation(conversation_id)
        if conversation is None or conversation.status != Status.QUEUED:
            return None
        return self._place(uow, conversation_id)

    def _place(self, uow, conversation_id: str) -> HandoffStatus:
        waiting = sorted((h.priority, h.queued_at, h.id, h.conversation_id) for h in uow.work.handoffs.values()
                         if not h.resolved_at and uow.work.conversations[h.conversation_id].status == Status.QUEUED)
        position = 1 + [w[3] for w in waiting].index(conversation_id)
        return HandoffStatus("queued", position=position)

    async def open(self, uow, conversation: ConversationRecord, reason: str, details: dict, message_id: int,
                   customer_text: str, language: str, at: datetime) -> HandoffOpened:
        row = HandoffRow(next(uow._db.ids), conversation.id, details.get("intent", "person"),
                         self._priority_of(details), at)
        uow.work.handoffs[row.id] = row
        status = self._place(uow, conversation.id)
        notice = await uow.chats.add_message(conversation.id, Sender.SYSTEM, f"queued at {status.position}", at,
                                             meta={"handoff": status.to_event()})
        route = (conversation.channel, conversation.external_chat_id)
        uow.outbox.issue(DeliverMessage(*route, notice.id), at, conversation.id)
        uow.outbox.issue(SendHandoffStatus(*route, status.to_event()), at, conversation.id)
        return HandoffOpened(row.kind, status)
