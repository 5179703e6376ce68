"""Hand-off's side of the memory store: its store port and the audit log. Same rules as
`tests/memory_store.py`: snapshot reads, checks again at commit, one yield to the event
loop per call."""
from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime

from gateway.conversations.model import Status
from gateway.conversations.ports import ConversationRecord, StoreConflict
from handoff.ports import (AgentOnShift, AwaitedHandoff, ComplaintClockRecord, ComplaintRecord, DueComplaintClock,
                           HandoffRecord, Presence, QueuedHandoff)

FIRST_CAPACITY = 5


@dataclasses.dataclass(frozen=True)
class HandoffRow:
    id: int
    conversation_id: str
    kind: str
    priority: int
    queued_at: datetime
    first_response_due_at: datetime
    assignee_id: int | None = None
    assigned_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    warned_50_at: datetime | None = None
    warned_80_at: datetime | None = None
    breached_at: datetime | None = None


@dataclasses.dataclass(frozen=True)
class ClockRow:
    id: int
    due_at: datetime
    met_at: datetime | None = None
    breached_at: datetime | None = None


def _queued(row: HandoffRow) -> QueuedHandoff:
    return QueuedHandoff(row.id, row.conversation_id, row.kind, row.priority, row.queued_at, row.first_response_due_at)


class MemoryWebhookEvents:
    """The events a unit of work recorded, type and data, in order."""

    def __init__(self, uow):
        self._uow = uow

    async def record(self, event_type: str, data: dict, at) -> None:
        self._uow.work.webhook_events.append((event_type, data))


class MemoryAuditLog:
    def __init__(self, uow):
        self._uow = uow

    def add(self, entry) -> None:
        self._uow.work.audit.append(entry)


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

    def _queue(self) -> list[HandoffRow]:
        return sorted((h for h in self._t.handoffs.values()
                       if not h.resolved_at and self._t.conversations[h.conversation_id].status == Status.QUEUED),
                      key=lambda h: (h.priority, h.queued_at, h.id))

    async def open_handoff(self, conversation_id: str, kind: str, reason: str, priority: int, category: str | None,
                           severity: str | None, queued_at: datetime,
                           first_response_due_at: datetime) -> QueuedHandoff:
        await asyncio.sleep(0)
        row = HandoffRow(next(self._uow._db.ids), conversation_id, kind, priority, queued_at, first_response_due_at)
        self._t.handoffs[row.id] = row
        return _queued(row)

    async def open_handoff_of(self, conversation_id: str) -> QueuedHandoff | None:
        await asyncio.sleep(0)
        row = self._open(conversation_id)
        return _queued(row) if row is not None else None

    async def position(self, handoff: QueuedHandoff) -> int:
        await asyncio.sleep(0)
        ahead = (handoff.priority, handoff.queued_at, handoff.id)
        return 1 + sum((h.priority, h.queued_at, h.id) < ahead for h in self._queue())

    async def typical_handle_seconds(self, default: float = 300.0) -> float:
        await asyncio.sleep(0)
        done = sorted(((h.id, (h.resolved_at - h.assigned_at).total_seconds()) for h in self._t.handoffs.values()
                       if h.assigned_at and h.resolved_at), reverse=True)[:50]
        spans = sorted(span for _, span in done)
        return spans[len(spans) // 2] if spans else default

    async def waiting(self) -> list[ConversationRecord]:
        await asyncio.sleep(0)
        return [self._t.conversations[h.conversation_id] for h in self._queue()]

    async def next_complaint_serial(self, day: str, channel_code: str) -> int:
        await asyncio.sleep(0)
        key = (day, channel_code)
        if self._t.serials.get(key) == self._uow._base.serials.get(key):  # the first use in this unit
            before = self._t.serials.get(key, 0)

            def not_taken(tables) -> None:  # the SQL store locks the counter row; here, the loser retries
                if tables.serials.get(key, 0) != before:
                    raise StoreConflict(f"a complaint serial of {day}-{channel_code} was taken meanwhile")
            self._uow.checks.append(not_taken)
        serial = self._t.serials.get(key, 0) + 1
        self._t.serials[key] = serial
        return serial

    async def add_complaint(self, complaint: ComplaintRecord) -> None:
        await asyncio.sleep(0)
        self._t.complaints[complaint.id] = complaint.conversation_id
        self._t.complaint_records[complaint.id] = complaint

    async def add_complaint_clock(self, complaint_id: str, kind: str, due_at: datetime) -> None:
        await asyncio.sleep(0)
        self._t.clocks[(complaint_id, kind)] = ClockRow(next(self._uow._db.ids), due_at)

    async def complaint(self, complaint_id: str) -> ComplaintRecord | None:
        await asyncio.sleep(0)
        return self._t.complaint_records.get(complaint_id)

    async def update_complaint(self, complaint: ComplaintRecord) -> None:
        await asyncio.sleep(0)
        self._t.complaint_records[complaint.id] = dataclasses.replace(
            self._t.complaint_records[complaint.id], status=complaint.status, owner_id=complaint.owner_id,
            root_cause=complaint.root_cause, closed_at=complaint.closed_at)

    async def complaint_clocks(self, complaint_id: str) -> list[ComplaintClockRecord]:
        await asyncio.sleep(0)
        return [ComplaintClockRecord(kind, c.due_at, c.met_at, c.breached_at)
                for (owner, kind), c in sorted(self._t.clocks.items(), key=lambda item: item[1].id)
                if owner == complaint_id]

    async def queue_head(self) -> ConversationRecord | None:
        await asyncio.sleep(0)
        queue = self._queue()
        return self._t.conversations[queue[0].conversation_id] if queue else None

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
        return self._stamp("clocks", (complaint_id, kind), "met_at", at)

    def _stamp(self, table: str, key, field: str, at: datetime) -> bool:
        """Sets a field if still unset, here and, checked at commit, in what others committed:
        one caller wins, as with the SQL store's conditional update."""
        rows = getattr(self._t, table)
        if key not in rows or getattr(rows[key], field) is not None:
            return False
        rows[key] = dataclasses.replace(rows[key], **{field: at})

        def still_unset(tables) -> None:
            committed = getattr(tables, table).get(key)
            if committed is not None and getattr(committed, field) is not None:
                raise StoreConflict(f"{field} of {key} was set meanwhile")
        self._uow.checks.append(still_unset)
        return True

    async def awaiting_first_response(self) -> list[AwaitedHandoff]:
        await asyncio.sleep(0)
        return [AwaitedHandoff(h.id, h.conversation_id, h.queued_at, h.first_response_due_at, h.warned_50_at,
                               h.warned_80_at) for h in sorted(self._t.handoffs.values(), key=lambda h: h.id)
                if not h.resolved_at and not h.first_response_at and not h.breached_at]

    async def stamp_handoff(self, handoff_id: int, mark: str, at: datetime) -> bool:
        await asyncio.sleep(0)
        if mark not in ("warned_50", "warned_80", "breached"):
            raise ValueError(mark)
        return self._stamp("handoffs", handoff_id, f"{mark}_at", at)

    async def overdue_complaint_clocks(self, now: datetime) -> list[DueComplaintClock]:
        await asyncio.sleep(0)
        return [DueComplaintClock(c.id, complaint_id, self._t.complaints[complaint_id], kind, c.due_at)
                for (complaint_id, kind), c in sorted(self._t.clocks.items(), key=lambda item: item[1].id)
                if c.met_at is None and c.breached_at is None and c.due_at <= now]

    async def breach_complaint_clock(self, clock_id: int, at: datetime) -> bool:
        await asyncio.sleep(0)
        [key] = [k for k, c in self._t.clocks.items() if c.id == clock_id]
        if self._t.clocks[key].met_at is not None:
            return False
        return self._stamp("clocks", key, "breached_at", at)

    async def presence_of(self, user_id: int) -> Presence | None:
        await asyncio.sleep(0)
        found = self._t.presence.get(user_id)
        return Presence(found[0], found[1]) if found else None

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
