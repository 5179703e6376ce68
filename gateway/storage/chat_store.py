"""The conversation pipeline's store port on SQLAlchemy: rows in, records and views out.

Callers see only `ConversationRecord` and `MessageView`, so nothing they hold can be
written back by a flush they did not ask for.
"""
from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.conversations.model import ConcurrentUpdate, Status, Transition
from gateway.conversations.ports import ConversationRecord, DeliveryRecord, NewMessage
from gateway.conversations.views import MessageView
from gateway.storage.channel_repository import ChannelRepository
from gateway.storage.conflicts import conflicts_as_domain_errors
from gateway.storage.repository import ConversationRepository, message_view
from gateway.storage.tables import ChannelIdentity, Conversation, ConversationEvent, Customer, KbProposal, Message
from gateway.storage.kb_repository import KbRepository
from knowledge_base.store import ProposalRecord


RECORD_FIELDS = {f.name for f in dataclasses.fields(ConversationRecord)}


def record(row: Conversation) -> ConversationRecord:
    return ConversationRecord(row.id, row.customer_id, row.channel, row.external_chat_id, row.status, row.version,
                              row.assignee_id)


class SqlChatStore:
    def __init__(self, session: AsyncSession):
        self.session = session
        self._rows = ConversationRepository(session)

    async def _flush(self) -> None:
        async with conflicts_as_domain_errors():
            await self.session.flush()

    async def conversation(self, conversation_id: str) -> ConversationRecord | None:
        row = await self.session.get(Conversation, conversation_id, populate_existing=True)
        return record(row) if row is not None else None

    async def latest_for_chat(self, channel: str, external_chat_id: str) -> ConversationRecord | None:
        row = await self._rows.latest_for_chat(channel, external_chat_id)
        return record(row) if row is not None else None

    async def latest_for_chats(self, chats: list[tuple[str, str]]) -> dict[tuple[str, str], ConversationRecord]:
        latest: dict[tuple[str, str], Conversation] = {}
        by_channel: dict[str, set[str]] = {}
        for channel, chat_id in chats:
            by_channel.setdefault(channel, set()).add(chat_id)
        for channel, chat_ids in by_channel.items():
            for row in await self._rows.conversations_of_chats(channel, sorted(chat_ids)):
                key = (row.channel, row.external_chat_id)
                if key not in latest or row.created_at > latest[key].created_at:
                    latest[key] = row
        return {key: record(row) for key, row in latest.items()}

    async def open_conversation(self, channel: str, external_chat_id: str, external_user_id: str,
                                display_name: str | None, at: datetime) -> ConversationRecord:
        customer = await self._rows.customer_for(channel, external_user_id)
        if customer is None:
            customer = Customer(id=uuid.uuid4().hex, display_name=display_name, created_at=at)
            # Without ORM relationships the flush does not order by foreign key: parent first.
            self.session.add(customer)
            await self._flush()
            self.session.add(ChannelIdentity(customer_id=customer.id, channel=channel,
                                             external_user_id=external_user_id, created_at=at))
        row = Conversation(id=uuid.uuid4().hex, customer_id=customer.id, channel=channel,
                           external_chat_id=external_chat_id, status=Status.BOT, version=1, created_at=at,
                           updated_at=at)
        self.session.add(row)
        await self._flush()
        self.session.add(ConversationEvent(conversation_id=row.id, from_status=None, to_status=Status.BOT,
                                           actor="customer", reason=f"first contact on {channel}", created_at=at))
        await self._flush()
        return record(row)

    async def message(self, message_id: int) -> MessageView | None:
        row = await self._rows.message(message_id)
        return message_view(row) if row is not None else None

    async def message_by_client_id(self, conversation_id: str, client_msg_id: str) -> MessageView | None:
        row = await self._rows.message_by_client_id(conversation_id, client_msg_id)
        return message_view(row) if row is not None else None

    async def messages_by_client_ids(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], MessageView]:
        if not keys:
            return {}
        wanted = set(keys)
        rows = await self._rows.messages_by_client_ids({c for c, _ in keys}, {m for _, m in keys})
        return {(r.conversation_id, r.client_msg_id): message_view(r) for r in rows
                if (r.conversation_id, r.client_msg_id) in wanted}

    async def message_in_chat(self, channel: str, external_chat_id: str, client_msg_id: str) -> MessageView | None:
        row = await self._rows.message_in_chat(channel, external_chat_id, client_msg_id)
        return message_view(row) if row is not None else None

    async def history(self, conversation_id: str, *, up_to: int | None = None, last: int = 500) -> list[MessageView]:
        return [message_view(m) for m in await self._rows.history(conversation_id, limit=last)
                if up_to is None or m.id <= up_to]

    async def bot_replied_to(self, message_id: int) -> bool:
        return await self._rows.bot_reply_to(message_id) is not None

    async def add_message(self, conversation_id: str, sender: str, text: str, at: datetime, *,
                          client_msg_id: str | None = None, reply_to_id: int | None = None,
                          meta: dict | None = None) -> MessageView:
        row = Message(conversation_id=conversation_id, sender=sender, text=text, client_msg_id=client_msg_id,
                      reply_to_id=reply_to_id, meta=meta or {}, created_at=at)
        self.session.add(row)
        await self._flush()  # the id is what the client is acknowledged with
        return message_view(row)

    async def add_messages(self, messages: list[NewMessage]) -> list[MessageView]:
        if not messages:
            return []
        # A bulk INSERT … RETURNING, not ORM objects: a burst's batch spent a fifth of its time
        # setting up instance state for rows nobody reads back.
        rows = [dict(conversation_id=m.conversation_id, sender=m.sender, text=m.text, client_msg_id=m.client_msg_id,
                     meta=m.meta or {}, created_at=m.at) for m in messages]
        if self.session.bind.dialect.name == "sqlite":
            # One multi-row INSERT. SQLite numbers a statement's rows in VALUES order, one
            # writer at a time; asking SQLAlchemy to sort by parameter order would send a
            # statement per row instead.
            statement = insert(Message).returning(Message.id)
        else:
            statement = insert(Message).returning(Message.id, sort_by_parameter_order=True)
        async with conflicts_as_domain_errors():
            ids = (await self.session.execute(statement, rows)).scalars().all()
        if self.session.bind.dialect.name == "sqlite":
            ids = sorted(ids)
        return [MessageView(id=message_id, conversation_id=row["conversation_id"], sender=row["sender"],
                            text=row["text"], created_at=row["created_at"], client_msg_id=row["client_msg_id"],
                            quick_replies=tuple(row["meta"].get("quick_replies", ())), meta=row["meta"])
                for message_id, row in zip(ids, rows, strict=True)]

    async def transition(self, conversation: ConversationRecord, change: Transition, at: datetime,
                         **columns: Any) -> ConversationRecord:
        bumped = await self._bump(conversation, at, status=change.to_status, **columns)
        self.session.add(ConversationEvent(conversation_id=conversation.id, from_status=change.from_status,
                                           to_status=change.to_status, actor=change.actor, reason=change.reason,
                                           created_at=at))
        return bumped

    async def touch(self, conversation: ConversationRecord, at: datetime) -> ConversationRecord:
        return await self._bump(conversation, at)

    async def _bump(self, conversation: ConversationRecord, at: datetime, **columns: Any) -> ConversationRecord:
        result = await self.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation.id, Conversation.version == conversation.version)
            .values(version=conversation.version + 1, updated_at=at, **columns)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise ConcurrentUpdate(f"conversation {conversation.id} changed concurrently")
        # The row was exactly `conversation` until this update: no read needed to know it now.
        return dataclasses.replace(conversation, version=conversation.version + 1,
                                   **{k: v for k, v in columns.items() if k in RECORD_FIELDS})

    async def customers_wrote(self, conversation_ids: set[str], at: datetime) -> None:
        # Not a version bump: a customer's message never races a status decision.
        if conversation_ids:
            await self.session.execute(update(Conversation).where(Conversation.id.in_(sorted(conversation_ids)))
                                       .values(last_message_at=at).execution_options(synchronize_session=False))


class SqlDeliveryLog:
    def __init__(self, session: AsyncSession):
        self._rows = ChannelRepository(session)

    async def delivery(self, message_id: int) -> DeliveryRecord | None:
        row = await self._rows.delivery(message_id)
        return DeliveryRecord(row.status, row.attempts) if row is not None else None

    async def record_delivery(self, message_id: int, channel: str, status: str, at: datetime, *,
                              attempts: int | None = None, error: str | None = None,
                              external_ids: list[str] | None = None) -> DeliveryRecord:
        row = await self._rows.record_delivery(message_id, channel, status, at, attempts=attempts, error=error,
                                               external_ids=external_ids)
        return DeliveryRecord(row.status, row.attempts)


class SqlAlternateProposals:
    """The pipeline proposes customers' words (AlternateProposals); the knowledge base's
    editors read and decide them (knowledge_base.store.ProposalStore)."""

    def __init__(self, session: AsyncSession):
        self._rows = KbRepository(session)

    async def propose_alternate(self, entry_id: str, text: str, source: str, conversation_id: str,
                                message_id: int | None, at: datetime) -> bool:
        return await self._rows.propose(KbProposal(entry_id=entry_id, text=text, source=source,
                                                   conversation_id=conversation_id, message_id=message_id,
                                                   status="pending", created_at=at))

    async def proposal(self, proposal_id: int, *, for_update: bool = False) -> ProposalRecord | None:
        row = await self._rows.proposal(proposal_id, for_update=for_update)
        return _proposal(row) if row is not None else None

    async def proposals(self, status: str | None, limit: int) -> list[tuple[ProposalRecord, str | None]]:
        return [(_proposal(p), e.question if e is not None and e.deleted_at is None else None)
                for p, e in await self._rows.proposals(status, limit)]

    async def decide(self, proposal_id: int, status: str, by: str, at: datetime) -> None:
        row = await self._rows.proposal(proposal_id)
        row.status, row.decided_by, row.decided_at = status, by, at


def _proposal(row: KbProposal) -> ProposalRecord:
    return ProposalRecord(row.id, row.entry_id, row.text, row.source, row.status, row.conversation_id,
                          row.created_at, row.decided_by, row.decided_at)
