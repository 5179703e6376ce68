"""Finding the customer an erasure request is about, from what the person or an agent knows:
a conversation id from the console, or a Telegram user id."""
from __future__ import annotations

from sqlalchemy import func, select

from gateway.storage.tables import ChannelIdentity, Conversation, Customer


async def find_customer(session, *, conversation_id: str | None = None, telegram_user: str | None = None
                        ) -> dict | None:
    if conversation_id is not None:
        customer_id = (await session.execute(select(Conversation.customer_id).where(
            Conversation.id == conversation_id))).scalar()
    else:
        customer_id = (await session.execute(select(ChannelIdentity.customer_id).where(
            ChannelIdentity.channel == "telegram", ChannelIdentity.external_user_id == telegram_user))).scalar()
    customer = await session.get(Customer, customer_id) if customer_id else None
    if customer is None:
        return None
    rows = (await session.execute(
        select(Conversation.channel, func.count(), func.max(Conversation.updated_at))
        .where(Conversation.customer_id == customer.id).group_by(Conversation.channel))).all()
    return {"id": customer.id, "created_at": customer.created_at.isoformat(),
            "erased_at": customer.erased_at.isoformat() if customer.erased_at else None,
            "conversations": {channel: count for channel, count, _ in rows},
            "last_activity": max((last for *_, last in rows), default=customer.created_at).isoformat()}
