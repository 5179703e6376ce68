"""Quality review: the resolved conversations a sample is drawn from, samples, checklists and
the per-agent figures. Reviews are append-only rows; the report reads the newest per conversation."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.conversations.model import Status
from gateway.storage.tables import Conversation, GuardHit, Handoff, QualityReview, QualitySample, User
from handoff.quality_ports import ReviewedConversation, ReviewRecord, SampleRecord

SAMPLE_FIELDS = [f for f in SampleRecord.__dataclass_fields__]
REVIEW_FIELDS = [f for f in ReviewRecord.__dataclass_fields__]


def _sample(row: QualitySample) -> SampleRecord:
    return SampleRecord(**{f: getattr(row, f) for f in SAMPLE_FIELDS})


def _review(row: QualityReview) -> ReviewRecord:
    return ReviewRecord(**{f: getattr(row, f) for f in REVIEW_FIELDS})


class ReviewRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add_sample(self, drawn_by: int, drawn_at: datetime, period_from: datetime, period_to: datetime,
                         size: int, seed: str, conversation_ids: list[str]) -> SampleRecord:
        row = QualitySample(drawn_by=drawn_by, drawn_at=drawn_at, period_from=period_from, period_to=period_to,
                            size=size, seed=seed, conversation_ids=list(conversation_ids))
        self.session.add(row)
        await self.session.flush()
        return _sample(row)

    async def add_review(self, review: ReviewRecord) -> ReviewRecord:
        row = QualityReview(**{f: getattr(review, f) for f in REVIEW_FIELDS if f != "id"})
        self.session.add(row)
        await self.session.flush()
        return _review(row)

    async def resolved_between(self, start: datetime, end: datetime) -> list[str]:
        """Ids of conversations resolved in [start, end) and still resolved, sorted: the
        population a draw picks from, in an order that does not depend on the database."""
        stmt = (select(Conversation.id)
                .where(Conversation.status == Status.RESOLVED, Conversation.resolved_at >= start,
                       Conversation.resolved_at < end)
                .order_by(Conversation.id))
        return list((await self.session.execute(stmt)).scalars().all())

    async def sample(self, sample_id: int) -> SampleRecord | None:
        row = await self.session.get(QualitySample, sample_id)
        return _sample(row) if row is not None else None

    async def samples(self, limit: int = 50) -> list[SampleRecord]:
        stmt = select(QualitySample).order_by(QualitySample.id.desc()).limit(limit)
        return [_sample(row) for row in (await self.session.execute(stmt)).scalars().all()]

    async def conversations(self, ids: list[str]) -> dict[str, ReviewedConversation]:
        if not ids:
            return {}
        rows = (await self.session.execute(select(Conversation).where(Conversation.id.in_(ids)))).scalars().all()
        return {c.id: ReviewedConversation(c.channel, c.status, c.resolved_at) for c in rows}

    async def handling_agents(self, ids: list[str]) -> dict[str, int | None]:
        """Who handled each conversation: the assignee of its newest hand-off (kept after a resolve)."""
        if not ids:
            return {}
        newest = (select(Handoff.conversation_id, func.max(Handoff.id).label("id"))
                  .where(Handoff.conversation_id.in_(ids)).group_by(Handoff.conversation_id).subquery())
        stmt = select(Handoff.conversation_id, Handoff.assignee_id).join(newest, newest.c.id == Handoff.id)
        return {cid: agent for cid, agent in (await self.session.execute(stmt)).all()}

    async def guard_counts(self, ids: list[str]) -> dict[tuple[str, int], tuple[int, int]]:
        """(conversation, agent) → (hits sent anyway, all warnings shown)."""
        if not ids:
            return {}
        stmt = (select(GuardHit.conversation_id, GuardHit.user_id,
                       func.sum(case((GuardHit.sent_anyway, 1), else_=0)), func.count())
                .where(GuardHit.conversation_id.in_(ids)).group_by(GuardHit.conversation_id, GuardHit.user_id))
        return {(cid, uid): (int(sent or 0), int(total)) for cid, uid, sent, total in (await self.session.execute(stmt)).all()}

    async def reviews_of(self, ids: list[str]) -> list[ReviewRecord]:
        if not ids:
            return []
        stmt = select(QualityReview).where(QualityReview.conversation_id.in_(ids)).order_by(QualityReview.id)
        return [_review(row) for row in (await self.session.execute(stmt)).scalars().all()]

    async def usernames(self, user_ids: set[int]) -> dict[int, str]:
        ids = [u for u in user_ids if u is not None]
        if not ids:
            return {}
        return dict((await self.session.execute(select(User.id, User.username).where(User.id.in_(ids)))).all())

    async def agent_report(self, start: datetime | None = None, end: datetime | None = None) -> list[tuple]:
        """Per agent over the newest review of each conversation (a re-review replaces the earlier
        score in the figures; the earlier row stays in the table): (agent_id, reviewed, mean
        courtesy, mean accuracy, resolved count, forbidden hits)."""
        newest = select(func.max(QualityReview.id).label("id")).group_by(QualityReview.conversation_id)
        if start is not None:
            newest = newest.where(QualityReview.created_at >= start)
        if end is not None:
            newest = newest.where(QualityReview.created_at < end)
        newest = newest.subquery()
        stmt = (select(QualityReview.agent_id, func.count(), func.avg(QualityReview.courtesy),
                       func.avg(QualityReview.accuracy), func.sum(case((QualityReview.resolved, 1), else_=0)),
                       func.sum(QualityReview.forbidden_hits))
                .join(newest, newest.c.id == QualityReview.id)
                .group_by(QualityReview.agent_id).order_by(QualityReview.agent_id))
        return [tuple(r) for r in (await self.session.execute(stmt)).all()]
