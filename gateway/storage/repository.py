"""Conversation rows read for storage's own adapters (the chat store, the console read
model): customers, identities, conversations, messages. Writes go through the chat store."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.conversations.model import Sender
from gateway.conversations.views import MessageView
from gateway.storage.tables import ChannelIdentity, Conversation, Customer, Message


def message_view(row: Message) -> MessageView:
    return MessageView(
        id=row.id,
        conversation_id=row.conversation_id,
        sender=row.sender,
        text=row.text,
        created_at=row.created_at,
        client_msg_id=row.client_msg_id,
        quick_replies=tuple((row.meta or {}).get("quick_replies", ())),
        meta=row.meta or {},
    )


class ConversationRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def customer_for(self, channel: str, external_user_id: str) -> Customer | None:
        stmt = (
            select(Customer)
            .join(ChannelIdentity, ChannelIdentity.customer_id == Customer.id)
            .where(ChannelIdentity.channel == channel, ChannelIdentity.external_user_id == external_user_id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get(self, conversation_id: str) -> Conversation | None:
        return await self.session.get(Conversation, conversation_id)

    async def latest_for_chat(self, channel: str, external_chat_id: str) -> Conversation | None:
        stmt = (
            select(Conversation)
            .where(Conversation.channel == channel, Conversation.external_chat_id == external_chat_id)
            .order_by(Conversation.created_at.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def conversations_of_chats(self, channel: str, external_chat_ids: list[str]) -> list:
        """Rows of the columns a ConversationRecord holds, not ORM objects: cheaper by the hundred."""
        c = Conversation
        stmt = select(c.id, c.customer_id, c.channel, c.external_chat_id, c.status, c.version, c.assignee_id,
                      c.created_at).where(c.channel == channel, c.external_chat_id.in_(external_chat_ids))
        return list(await self.session.execute(stmt))

    async def messages_by_client_ids(self, conversation_ids: set[str], client_msg_ids: set[str]) -> list[Message]:
        stmt = select(Message).where(Message.conversation_id.in_(sorted(conversation_ids)),
                                     Message.client_msg_id.in_(sorted(client_msg_ids)))
        return list((await self.session.execute(stmt)).scalars())

    async def message(self, message_id: int) -> Message | None:
        return await self.session.get(Message, message_id)

    async def message_by_client_id(self, conversation_id: str, client_msg_id: str) -> Message | None:
        stmt = select(Message).where(
            Message.conversation_id == conversation_id, Message.client_msg_id == client_msg_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def message_in_chat(self, channel: str, external_chat_id: str, client_msg_id: str) -> Message | None:
        """A message by its channel id in any conversation of one chat: edits can come late."""
        stmt = (select(Message).join(Conversation, Conversation.id == Message.conversation_id)
                .where(Conversation.channel == channel, Conversation.external_chat_id == external_chat_id,
                       Message.client_msg_id == client_msg_id)
                .order_by(Message.id.desc()).limit(1))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def bot_reply_to(self, message_id: int) -> Message | None:
        stmt = select(Message).where(Message.reply_to_id == message_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def history(self, conversation_id: str, limit: int = 500) -> list[Message]:
        stmt = (
            select(Message)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.id.desc())
            .limit(limit)
        )
        return list(reversed((await self.session.execute(stmt)).scalars().all()))

    async def conversations_of_customer(self, customer_id: str) -> list[Conversation]:
        stmt = select(Conversation).where(Conversation.customer_id == customer_id).order_by(Conversation.created_at)
        return list((await self.session.execute(stmt)).scalars().all())

    async def customer(self, customer_id: str) -> Customer | None:
        return await self.session.get(Customer, customer_id)

    async def identities(self, customer_id: str) -> list[ChannelIdentity]:
        stmt = select(ChannelIdentity).where(ChannelIdentity.customer_id == customer_id)
        return list((await self.session.execute(stmt)).scalars().all())

    async def by_status(self, statuses: list[str], assignee_id: int | None = None, limit: int = 500) -> list[Conversation]:
        stmt = select(Conversation).where(Conversation.status.in_(statuses))
        if assignee_id is not None:
            stmt = stmt.where(Conversation.assignee_id == assignee_id)
        return list((await self.session.execute(stmt.order_by(Conversation.updated_at.desc()).limit(limit))).scalars().all())

    async def last_customer_texts(self, conversation_ids: list[str]) -> dict[str, str]:
        """The latest customer message of each conversation, in one query."""
        if not conversation_ids:
            return {}
        latest = (select(Message.conversation_id, func.max(Message.id).label("id"))
                  .where(Message.conversation_id.in_(conversation_ids), Message.sender == Sender.CUSTOMER)
                  .group_by(Message.conversation_id).subquery())
        stmt = select(Message.conversation_id, Message.text).join(latest, Message.id == latest.c.id)
        return {cid: text for cid, text in (await self.session.execute(stmt)).all()}
