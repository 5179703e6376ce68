"""Hand-off's store port (`handoff.ports.DeskStore`) on SQLAlchemy."""
from __future__ import annotations

from dataclasses import fields
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.conversations.ports import ConversationRecord
from gateway.storage.chat_store import record
from gateway.storage.conflicts import conflicts_as_domain_errors
from gateway.storage.handoff_repository import HandoffRepository
from gateway.storage.tables import (AgentPresence, Complaint, ComplaintClock, ConversationNote, CsatResponse, GuardHit,
                                    Handoff)
from handoff.ports import (AgentOnShift, AwaitedHandoff, ComplaintClockRecord, ComplaintRecord, DueComplaintClock,
                           HandoffRecord, Presence, QueuedHandoff, StaffAccount)

MARKS = ("warned_50", "warned_80", "breached")
COMPLAINT_FIELDS = [f.name for f in fields(ComplaintRecord)]

FIRST_CAPACITY = 5


def queued(row: Handoff) -> QueuedHandoff:
    return QueuedHandoff(row.id, row.conversation_id, row.kind, row.priority, row.queued_at, row.first_response_due_at)


class SqlDeskStore:
    def __init__(self, session: AsyncSession):
        self.session = session
        self._rows = HandoffRepository(session)

    async def open_handoff(self, conversation_id: str, kind: str, reason: str, priority: int, category: str | None,
                           severity: str | None, queued_at: datetime,
                           first_response_due_at: datetime) -> QueuedHandoff:
        row = Handoff(conversation_id=conversation_id, kind=kind, reason=reason, priority=priority,
                      category=category, severity=severity, queued_at=queued_at,
                      first_response_due_at=first_response_due_at)
        self.session.add(row)
        await self.session.flush()
        return queued(row)

    async def open_handoff_of(self, conversation_id: str) -> QueuedHandoff | None:
        row = await self._rows.current(conversation_id)
        return queued(row) if row is not None else None

    async def position(self, handoff: QueuedHandoff) -> int:
        return await self._rows.position(handoff)

    async def typical_handle_seconds(self, default: float = 300.0) -> float:
        return await self._rows.typical_handle_seconds(default)

    async def waiting(self) -> list[ConversationRecord]:
        return [record(conversation) for conversation, _ in await self._rows.queue()]

    async def next_complaint_serial(self, day: str, channel_code: str) -> int:
        return await self._rows.next_serial(day, channel_code)

    async def add_complaint(self, complaint: ComplaintRecord) -> None:
        self.session.add(Complaint(**complaint.__dict__))
        await self.session.flush()

    async def add_complaint_clock(self, complaint_id: str, kind: str, due_at: datetime) -> None:
        self.session.add(ComplaintClock(complaint_id=complaint_id, kind=kind, due_at=due_at))

    async def complaint(self, complaint_id: str) -> ComplaintRecord | None:
        row = await self._rows.complaint(complaint_id)
        return ComplaintRecord(**{f: getattr(row, f) for f in COMPLAINT_FIELDS}) if row is not None else None

    async def update_complaint(self, complaint: ComplaintRecord) -> None:
        row = await self._rows.complaint(complaint.id)
        row.status, row.owner_id = complaint.status, complaint.owner_id
        row.root_cause, row.closed_at = complaint.root_cause, complaint.closed_at

    async def complaint_clocks(self, complaint_id: str) -> list[ComplaintClockRecord]:
        return [ComplaintClockRecord(c.kind, c.due_at, c.met_at, c.breached_at)
                for c in await self._rows.clocks([complaint_id])]

    async def awaiting_first_response(self) -> list[AwaitedHandoff]:
        return [AwaitedHandoff(h.id, h.conversation_id, h.queued_at, h.first_response_due_at, h.warned_50_at,
                               h.warned_80_at) for h in await self._rows.unanswered()]

    async def stamp_handoff(self, handoff_id: int, mark: str, at: datetime) -> bool:
        if mark not in MARKS:
            raise ValueError(f"a hand-off's marks are {', '.join(MARKS)}")
        return await self._rows.stamp_once(handoff_id, f"{mark}_at", at)

    async def overdue_complaint_clocks(self, now: datetime) -> list[DueComplaintClock]:
        due = await self._rows.overdue_clocks(now)
        conversations = {c.id: c.conversation_id for c in await self._rows.complaints_by_id(
            sorted({clock.complaint_id for clock in due}))}
        return [DueComplaintClock(c.id, c.complaint_id, conversations[c.complaint_id], c.kind, c.due_at) for c in due]

    async def breach_complaint_clock(self, clock_id: int, at: datetime) -> bool:
        return await self._rows.breach_clock(clock_id, at)

    async def presence_of(self, user_id: int) -> Presence | None:
        row = await self._rows.presence(user_id)
        return Presence(row.status, row.capacity) if row is not None else None

    async def queue_head(self) -> ConversationRecord | None:
        head = await self._rows.queue(limit=1)
        return record(head[0][0]) if head else None

    async def agents_online(self) -> list[AgentOnShift]:
        return [AgentOnShift(u.id, u.username, u.role, p.capacity, n) for u, p, n in await self._rows.online_agents()]

    async def account(self, user_id: int) -> StaffAccount | None:
        user = await self._rows.user(user_id)
        return StaffAccount(user.id, user.username, user.role, user.disabled_at is None) if user else None

    async def assign_handoff(self, conversation_id: str, user_id: int, at: datetime) -> None:
        handoff = await self._rows.current(conversation_id)
        if handoff is not None:
            handoff.assignee_id, handoff.assigned_at = user_id, at

    async def requeue_first(self, conversation_id: str) -> None:
        handoff = await self._rows.current(conversation_id)
        if handoff is not None:
            handoff.priority, handoff.assignee_id = 0, None

    async def close_handoff(self, conversation_id: str, at: datetime) -> None:
        handoff = await self._rows.current(conversation_id)
        if handoff is not None:
            handoff.resolved_at = at

    async def first_response(self, conversation_id: str, at: datetime) -> None:
        handoff = await self._rows.current(conversation_id)
        if handoff is not None:
            await self._rows.stamp_once(handoff.id, "first_response_at", at)

    async def complaint_ids(self, conversation_id: str) -> list[str]:
        return [c.id for c in await self._rows.complaints_of(conversation_id)]

    async def meet_clock(self, complaint_id: str, kind: str, at: datetime) -> bool:
        return await self._rows.meet_clock(complaint_id, kind, at)

    async def latest_handoff(self, conversation_id: str) -> HandoffRecord | None:
        handoff = await self._rows.latest(conversation_id)
        return HandoffRecord(handoff.id, handoff.conversation_id, handoff.resolved_at) if handoff else None

    async def rated(self, handoff_id: int) -> bool:
        return await self._rows.csat_for(handoff_id) is not None

    async def add_csat(self, conversation_id: str, handoff_id: int, score: int, comment: str | None,
                       at: datetime) -> None:
        self.session.add(CsatResponse(conversation_id=conversation_id, handoff_id=handoff_id, score=score,
                                      comment=comment, created_at=at))
        async with conflicts_as_domain_errors():
            await self.session.flush()

    async def add_note(self, conversation_id: str, author_id: int, text: str, at: datetime) -> int:
        note = ConversationNote(conversation_id=conversation_id, author_id=author_id, text=text, created_at=at)
        self.session.add(note)
        await self.session.flush()
        return note.id

    async def add_guard_hit(self, conversation_id: str, user_id: int, kind: str, excerpt: str, sent_anyway: bool,
                            at: datetime) -> None:
        self.session.add(GuardHit(conversation_id=conversation_id, user_id=user_id, kind=kind, excerpt=excerpt,
                                  sent_anyway=sent_anyway, created_at=at))

    async def set_presence(self, user_id: int, status: str, capacity: int | None, at: datetime) -> Presence:
        row = await self._rows.presence(user_id)
        if row is None:
            row = AgentPresence(user_id=user_id, status=status, capacity=capacity or FIRST_CAPACITY, updated_at=at)
            self.session.add(row)
        else:
            row.status, row.updated_at = status, at
            if capacity is not None:
                row.capacity = capacity
        return Presence(row.status, row.capacity)
