"""The knowledge base's unanswered questions on SQLAlchemy (`knowledge_base.unanswered`'s
`UnansweredSource`): customer messages whose bot reply handed off for a given code, and the
editors' marks on them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from gateway.conversations.views import MessageView
from gateway.storage.repository import message_view
from gateway.storage.tables import Message, UnansweredHandled

Customer = aliased(Message)
Bot = aliased(Message)


def _answered_with(code: str):
    return (Bot.sender == "bot", Customer.sender == "customer", Bot.meta[("bot", "code")].as_string() == code)


class UnansweredQueries:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def pending(self, code: str, limit: int) -> list[tuple[MessageView, dict]]:
        stmt = (select(Customer, Bot.meta)
                .join(Bot, Bot.reply_to_id == Customer.id)
                .outerjoin(UnansweredHandled, UnansweredHandled.message_id == Customer.id)
                .where(*_answered_with(code), UnansweredHandled.message_id.is_(None))
                .order_by(Customer.id.desc())
                .limit(limit))
        return [(message_view(m), meta) for m, meta in (await self.session.execute(stmt)).all()]

    async def handled_states(self, code: str, message_ids: list[int]) -> dict[int, str | None]:
        stmt = (select(Customer.id, UnansweredHandled.action)
                .join(Bot, Bot.reply_to_id == Customer.id)
                .outerjoin(UnansweredHandled, UnansweredHandled.message_id == Customer.id)
                .where(Customer.id.in_(message_ids), *_answered_with(code)))
        return dict((await self.session.execute(stmt)).all())

    def add_handled(self, message_id: int, action: str, entry_id: str | None, by: str, at: datetime) -> None:
        self.session.add(UnansweredHandled(message_id=message_id, action=action, entry_id=entry_id, handled_by=by,
                                           handled_at=at))
