"""Hand-offs, presence, complaints, notes, CSAT and guard hits."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.conversations.model import Status
from gateway.storage.tables import (AgentPresence, Complaint, ComplaintClock, ComplaintCounter, Conversation,
                                    ConversationNote, CsatResponse, GuardHit, Handoff, User)


class HandoffRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    # -- hand-offs and the queue ----------------------------------------------------------
    async def current(self, conversation_id: str) -> Handoff | None:
        stmt = (select(Handoff).where(Handoff.conversation_id == conversation_id, Handoff.resolved_at.is_(None))
                .order_by(Handoff.id.desc()).limit(1))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def latest(self, conversation_id: str) -> Handoff | None:
        stmt = select(Handoff).where(Handoff.conversation_id == conversation_id).order_by(Handoff.id.desc()).limit(1)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def shown(self, conversation_ids: list[str]) -> dict[str, Handoff]:
        """Each conversation's hand-off to show in a list: the open one, else the latest (as
        `current() or latest()`, for many conversations in one query)."""
        if not conversation_ids:
            return {}
        rows = (await self.session.execute(select(Handoff).where(Handoff.conversation_id.in_(conversation_ids))
                                           .order_by(Handoff.id))).scalars()
        shown: dict[str, Handoff] = {}
        for handoff in rows:
            kept = shown.get(handoff.conversation_id)
            if kept is None or handoff.resolved_at is None or kept.resolved_at is not None:
                shown[handoff.conversation_id] = handoff
        return shown

    async def usernames(self, user_ids: set[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        return dict((await self.session.execute(select(User.id, User.username).where(User.id.in_(user_ids)))).all())

    async def had(self, conversation_id: str, user_id: int) -> bool:
        stmt = select(Handoff.id).where(Handoff.conversation_id == conversation_id, Handoff.assignee_id == user_id)
        return (await self.session.execute(stmt.limit(1))).first() is not None

    async def queue(self, limit: int = 1000) -> list[tuple[Conversation, Handoff]]:
        """Waiting conversations, in the order people should take them."""
        stmt = (select(Conversation, Handoff)
                .join(Handoff, and_(Handoff.conversation_id == Conversation.id, Handoff.resolved_at.is_(None)))
                .where(Conversation.status == Status.QUEUED)
                .order_by(Handoff.priority, Handoff.queued_at, Handoff.id).limit(limit))
        return [tuple(r) for r in (await self.session.execute(stmt)).all()]

    async def position(self, handoff: Handoff) -> int:
        ahead = (select(func.count()).select_from(Handoff)
                 .join(Conversation, Conversation.id == Handoff.conversation_id)
                 .where(Conversation.status == Status.QUEUED, Handoff.resolved_at.is_(None),
                        or_(Handoff.priority < handoff.priority,
                            and_(Handoff.priority == handoff.priority, Handoff.queued_at < handoff.queued_at),
                            and_(Handoff.priority == handoff.priority, Handoff.queued_at == handoff.queued_at,
                                 Handoff.id < handoff.id))))
        return int((await self.session.execute(ahead)).scalar_one()) + 1

    async def unanswered(self) -> list[Handoff]:
        """Open hand-offs whose first-response clock still runs: what the SLA sweeper watches."""
        stmt = select(Handoff).where(Handoff.resolved_at.is_(None), Handoff.first_response_at.is_(None),
                                     Handoff.breached_at.is_(None))
        return list((await self.session.execute(stmt)).scalars().all())

    async def stamp_once(self, handoff_id: int, column: str, at: datetime) -> bool:
        """Set a clock column if still empty. True for exactly one caller, whoever races."""
        col = getattr(Handoff, column)
        result = await self.session.execute(
            update(Handoff).where(Handoff.id == handoff_id, col.is_(None)).values({column: at})
            .execution_options(synchronize_session=False))
        return result.rowcount == 1

    async def typical_handle_seconds(self, default: float = 300.0) -> float:
        stmt = (select(Handoff.assigned_at, Handoff.resolved_at)
                .where(Handoff.assigned_at.is_not(None), Handoff.resolved_at.is_not(None))
                .order_by(Handoff.id.desc()).limit(50))
        spans = sorted((r - a).total_seconds() for a, r in (await self.session.execute(stmt)).all())
        return spans[len(spans) // 2] if spans else default

    # -- agents ---------------------------------------------------------------------------
    async def presence(self, user_id: int) -> AgentPresence | None:
        return await self.session.get(AgentPresence, user_id)

    async def online_agents(self) -> list[tuple[User, AgentPresence, int]]:
        """Online agents with their current load, least loaded first."""
        load = _load()
        stmt = (select(User, AgentPresence, func.coalesce(load.c.n, 0))
                .join(AgentPresence, AgentPresence.user_id == User.id)
                .outerjoin(load, load.c.assignee_id == User.id)
                .where(AgentPresence.status == "online", User.disabled_at.is_(None))
                .order_by(func.coalesce(load.c.n, 0), AgentPresence.updated_at, User.id))
        return [tuple(r) for r in (await self.session.execute(stmt)).all()]

    async def staff_with_load(self) -> list[tuple[User, AgentPresence | None, int]]:
        """Every active agent and supervisor, with presence (None: never set) and current load."""
        load = _load()
        stmt = (select(User, AgentPresence, func.coalesce(load.c.n, 0))
                .outerjoin(AgentPresence, AgentPresence.user_id == User.id)
                .outerjoin(load, load.c.assignee_id == User.id)
                .where(User.role.in_(("agent", "supervisor")), User.disabled_at.is_(None))
                .order_by(User.username))
        return [tuple(r) for r in (await self.session.execute(stmt)).all()]

    async def user(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    # -- complaints -----------------------------------------------------------------------
    async def next_serial(self, day: str, channel_code: str) -> int:
        stmt = (select(ComplaintCounter).where(ComplaintCounter.day == day,
                                               ComplaintCounter.channel_code == channel_code).with_for_update())
        counter = (await self.session.execute(stmt)).scalar_one_or_none()
        if counter is None:
            counter = ComplaintCounter(day=day, channel_code=channel_code, last=0)
            self.session.add(counter)
        counter.last += 1
        await self.session.flush()
        return counter.last

    async def complaints(self, status: str | None = None, limit: int = 500) -> list[Complaint]:
        stmt = select(Complaint).order_by(Complaint.created_at.desc()).limit(limit)
        if status:
            stmt = stmt.where(Complaint.status == status)
        return list((await self.session.execute(stmt)).scalars().all())

    async def complaint(self, complaint_id: str) -> Complaint | None:
        return await self.session.get(Complaint, complaint_id)

    async def complaints_by_id(self, complaint_ids: list[str]) -> list[Complaint]:
        if not complaint_ids:
            return []
        return list((await self.session.execute(select(Complaint).where(Complaint.id.in_(complaint_ids)))).scalars())

    async def complaints_of(self, conversation_id: str) -> list[Complaint]:
        stmt = select(Complaint).where(Complaint.conversation_id == conversation_id).order_by(Complaint.created_at)
        return list((await self.session.execute(stmt)).scalars().all())

    async def clocks(self, complaint_ids: list[str]) -> list[ComplaintClock]:
        if not complaint_ids:
            return []
        stmt = select(ComplaintClock).where(ComplaintClock.complaint_id.in_(complaint_ids)).order_by(ComplaintClock.id)
        return list((await self.session.execute(stmt)).scalars().all())

    async def overdue_clocks(self, now: datetime) -> list[ComplaintClock]:
        stmt = select(ComplaintClock).where(ComplaintClock.met_at.is_(None), ComplaintClock.breached_at.is_(None),
                                            ComplaintClock.due_at <= now)
        return list((await self.session.execute(stmt)).scalars().all())

    async def meet_clock(self, complaint_id: str, kind: str, at: datetime) -> bool:
        result = await self.session.execute(
            update(ComplaintClock).where(ComplaintClock.complaint_id == complaint_id, ComplaintClock.kind == kind,
                                         ComplaintClock.met_at.is_(None)).values(met_at=at)
            .execution_options(synchronize_session=False))
        return result.rowcount == 1

    async def breach_clock(self, clock_id: int, at: datetime) -> bool:
        result = await self.session.execute(
            update(ComplaintClock).where(ComplaintClock.id == clock_id, ComplaintClock.breached_at.is_(None),
                                         ComplaintClock.met_at.is_(None)).values(breached_at=at)
            .execution_options(synchronize_session=False))
        return result.rowcount == 1

    # -- notes, CSAT ----------------------------------------------------------------------
    async def notes(self, conversation_id: str) -> list[ConversationNote]:
        stmt = select(ConversationNote).where(ConversationNote.conversation_id == conversation_id).order_by(
            ConversationNote.id)
        return list((await self.session.execute(stmt)).scalars().all())

    async def csat_for(self, handoff_id: int) -> CsatResponse | None:
        stmt = select(CsatResponse).where(CsatResponse.handoff_id == handoff_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def guard_hits(self, conversation_id: str) -> list[GuardHit]:
        stmt = select(GuardHit).where(GuardHit.conversation_id == conversation_id).order_by(GuardHit.id)
        return list((await self.session.execute(stmt)).scalars().all())


def _load():
    """Conversations assigned now, per assignee: an agent's load."""
    return (select(Conversation.assignee_id, func.count().label("n"))
            .where(Conversation.status == Status.ASSIGNED).group_by(Conversation.assignee_id).subquery())
