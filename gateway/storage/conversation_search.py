"""The console's conversation search on SQLAlchemy: one query, the reader's rule included."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.conversations.model import Sender, Status
from gateway.storage.tables import Complaint, Conversation, Customer, Handoff, Message
from handoff.finding import ConversationQuery


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _midnight(day) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


def _readable_by(user_id: int):
    had = exists().where(Handoff.conversation_id == Conversation.id, Handoff.assignee_id == user_id)
    return or_(Conversation.status == Status.QUEUED,
               and_(Conversation.status == Status.ASSIGNED, Conversation.assignee_id == user_id),
               and_(Conversation.status == Status.RESOLVED, had))


def _matching_message(like: str):
    return and_(Message.conversation_id == Conversation.id, Message.text.ilike(like, escape="\\"),
                Message.sender.in_((Sender.CUSTOMER, Sender.AGENT)))


class ConversationSearch:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def find(self, query: ConversationQuery) -> list[tuple[Conversation, str | None]]:
        """The conversations found, latest first, each with the first message that matched."""
        stmt = select(Conversation).join(Customer, Customer.id == Conversation.customer_id)
        if query.readable_by is not None:
            stmt = stmt.where(_readable_by(query.readable_by))
        if query.status:
            stmt = stmt.where(Conversation.status == query.status)
        if query.channel:
            stmt = stmt.where(Conversation.channel == query.channel)
        if query.assignee_id is not None:
            # A resolved conversation has no assignee any more: its hand-offs remember who had it.
            stmt = stmt.where(or_(Conversation.assignee_id == query.assignee_id, and_(
                Conversation.status == Status.RESOLVED,
                exists().where(Handoff.conversation_id == Conversation.id, Handoff.assignee_id == query.assignee_id))))
        if query.has_complaint is not None:
            found = exists().where(Complaint.conversation_id == Conversation.id)
            stmt = stmt.where(found if query.has_complaint else ~found)
        if query.breached is not None:
            found = exists().where(Handoff.conversation_id == Conversation.id, Handoff.breached_at.is_not(None))
            stmt = stmt.where(found if query.breached else ~found)
        if query.created_from:
            stmt = stmt.where(Conversation.created_at >= _midnight(query.created_from))
        if query.created_to and query.created_to < date.max:  # the last day there is bounds nothing
            stmt = stmt.where(Conversation.created_at < _midnight(query.created_to + timedelta(days=1)))
        like = None
        if query.text:
            like = _like(query.text)
            stmt = stmt.where(or_(
                Conversation.id.startswith(query.text, autoescape=True),
                Customer.display_name.ilike(like, escape="\\"),
                exists().where(Complaint.conversation_id == Conversation.id, Complaint.id.ilike(like, escape="\\")),
                exists().where(_matching_message(like))))
        stmt = stmt.order_by(Conversation.updated_at.desc(), Conversation.id).limit(query.limit)
        conversations = list((await self.session.execute(stmt)).scalars())
        if like is None or not conversations:
            return [(c, None) for c in conversations]
        hits = await self.session.execute(
            select(Message.conversation_id, Message.text)
            .where(Message.conversation_id.in_([c.id for c in conversations]), Message.text.ilike(like, escape="\\"),
                   Message.sender.in_((Sender.CUSTOMER, Sender.AGENT)))
            .order_by(Message.id))
        first: dict[str, str] = {}
        for conversation_id, text in hits:
            first.setdefault(conversation_id, text)
        return [(c, first.get(c.id)) for c in conversations]
