"""Conversation storage: customers, identities, conversations, messages, status events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.conversations.model import ConcurrentUpdate, Sender, Status, Transition
from gateway.conversations.views import MessageView
from gateway.storage.tables import ChannelIdentity, Conversation, ConversationEvent, Customer, Message


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

    async def add_customer(self, customer: Customer, identity: ChannelIdentity) -> None:
        # Without ORM relationships the flush does not order by foreign key: parent first.
        self.session.add(customer)
        await self.session.flush()
        self.session.add(identity)

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

    async def add(self, conversation: Conversation, first_event: ConversationEvent) -> None:
        self.session.add(conversation)
        await self.session.flush()
        self.session.add(first_event)

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

    async def add_message(self, message: Message) -> Message:
        self.session.add(message)
        await self.session.flush()  # the id is what the client is acknowledged with
        return message

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

    async def transition(
        self, conversation: Conversation, change: Transition, at: datetime, **columns
    ) -> None:
        """Apply a planned status change if nobody changed the conversation since it was read."""
        await self._bump(conversation, at, status=change.to_status, **columns)
        self.session.add(
            ConversationEvent(
                conversation_id=conversation.id,
                from_status=change.from_status,
                to_status=change.to_status,
                actor=change.actor,
                reason=change.reason,
                created_at=at,
            )
        )

    async def touch(self, conversation: Conversation, at: datetime) -> None:
        """Claim the conversation as read, for a write that depends on its status (a bot
        reply): fails like `transition` if somebody changed it since."""
        await self._bump(conversation, at)

    async def _bump(self, conversation: Conversation, at: datetime, **columns) -> None:
        result = await self.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation.id, Conversation.version == conversation.version)
            .values(version=conversation.version + 1, updated_at=at, **columns)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise ConcurrentUpdate(f"conversation {conversation.id} changed concurrently")
        await self.session.refresh(conversation)

    async def events(self, conversation_id: str) -> list[ConversationEvent]:
        stmt = (
            select(ConversationEvent)
            .where(ConversationEvent.conversation_id == conversation_id)
            .order_by(ConversationEvent.id)
        )
        return list((await self.session.execute(stmt)).scalars().all())

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
