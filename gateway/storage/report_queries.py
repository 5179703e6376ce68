"""The supervisors' report as a read model: the four queries `handoff.reports` asks of its
`ReportSource`, done by the database (joins, existence checks, grouping)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from gateway.storage.tables import Complaint, ComplaintClock, Conversation, CsatResponse, Handoff, Message, User
from handoff.reports import HandoffFact, ratio


class ReportQueries:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def handoffs(self, start: datetime, end: datetime) -> list[HandoffFact]:
        later, later_conv = aliased(Handoff), aliased(Conversation)
        # The customer's next hand-off after this one was resolved, in any of their conversations.
        next_handoff = (select(func.min(later.queued_at))
                        .join(later_conv, later_conv.id == later.conversation_id)
                        .where(later_conv.customer_id == Conversation.customer_id,
                               later.queued_at > Handoff.resolved_at)
                        .correlate(Handoff, Conversation).scalar_subquery())
        stmt = (select(Handoff.id, Handoff.assignee_id, Handoff.queued_at, Handoff.first_response_due_at,
                       Handoff.first_response_at, Handoff.assigned_at, Handoff.resolved_at,
                       Conversation.channel, CsatResponse.score, next_handoff.label("next_handoff_at"))
                .join(Conversation, Conversation.id == Handoff.conversation_id)
                .outerjoin(CsatResponse, CsatResponse.handoff_id == Handoff.id)
                .where(Handoff.queued_at >= start, Handoff.queued_at < end))
        return [HandoffFact(**row._mapping) for row in (await self.session.execute(stmt)).all()]

    async def conversation_counts(self, start: datetime, end: datetime) -> dict[str, dict]:
        def has(sender: str):
            return exists().where(Message.conversation_id == Conversation.id, Message.sender == sender)

        handed_off = exists().where(Handoff.conversation_id == Conversation.id)
        stmt = (select(Conversation.channel, func.count(),
                       func.sum(case((handed_off, 1), else_=0)),
                       func.sum(case((and_(~handed_off, has("bot")), 1), else_=0)))
                .where(Conversation.created_at >= start, Conversation.created_at < end, has("customer"))
                .group_by(Conversation.channel))
        out = {}
        for channel, total, handed, contained in (await self.session.execute(stmt)).all():
            out[channel] = {"conversations": int(total), "handed_off": int(handed or 0),
                            "bot_contained": int(contained or 0)}
        return out

    async def complaints(self, start: datetime, end: datetime, as_of: datetime) -> tuple[list[dict], list[dict]]:
        met = and_(ComplaintClock.met_at.is_not(None), ComplaintClock.met_at <= ComplaintClock.due_at)
        decided = (ComplaintClock.met_at.is_not(None)) | (ComplaintClock.due_at <= as_of)
        in_period = and_(Complaint.created_at >= start, Complaint.created_at < end)
        clock_columns = (func.count(ComplaintClock.id), func.sum(case((met, 1), else_=0)),
                         func.sum(case((decided, 1), else_=0)))
        by_kind = (select(Complaint.category, Complaint.severity, func.count(Complaint.id.distinct()),
                          *clock_columns)
                   .outerjoin(ComplaintClock, ComplaintClock.complaint_id == Complaint.id)
                   .where(in_period).group_by(Complaint.category, Complaint.severity)
                   .order_by(Complaint.category, Complaint.severity))
        complaints = [{"category": category, "severity": severity, "complaints": int(n), "clocks": int(clocks),
                       "clocks_met": int(ok or 0), "clocks_decided": int(due or 0),
                       "clock_compliance": ratio(int(ok or 0), int(due or 0))}
                      for category, severity, n, clocks, ok, due in (await self.session.execute(by_kind)).all()]
        by_clock = (select(ComplaintClock.kind, *clock_columns)
                    .join(Complaint, Complaint.id == ComplaintClock.complaint_id)
                    .where(in_period).group_by(ComplaintClock.kind).order_by(ComplaintClock.kind))
        clocks = [{"clock": kind, "clocks": int(n), "clocks_met": int(ok or 0), "clocks_decided": int(due or 0),
                   "clock_compliance": ratio(int(ok or 0), int(due or 0))}
                  for kind, n, ok, due in (await self.session.execute(by_clock)).all()]
        return complaints, clocks

    async def agent_names(self, user_ids: list[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        return dict((await self.session.execute(select(User.id, User.username).where(User.id.in_(user_ids)))).all())
