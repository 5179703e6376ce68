"""Conversations, their customers and messages, and what the pipeline keeps about sending them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.storage.tables.base import Base, BigId, Timestamp


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    # Set once by erasure: the personal data is gone, the ids and statistics stay.
    erased_at: Mapped[datetime | None] = mapped_column(Timestamp())


class ChannelIdentity(Base):
    """How one customer is known on one channel (a web visitor id, a Telegram user id)."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_user_id", name="uq_identity_channel_user"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_user_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(Timestamp())


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_chat", "channel", "external_chat_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_chat_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), index=True)
    # Every status change is a conditional update on (id, version): zero rows = lost race.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    updated_at: Mapped[datetime] = mapped_column(Timestamp())
    last_message_at: Mapped[datetime | None] = mapped_column(Timestamp())
    handed_off_at: Mapped[datetime | None] = mapped_column(Timestamp())
    resolved_at: Mapped[datetime | None] = mapped_column(Timestamp())
    # Set while ASSIGNED; counted for an agent's load. Changes go through the status machine.
    assignee_id: Mapped[int | None] = mapped_column(Integer, index=True)


class Message(Base):
    """Append-only: a database trigger refuses UPDATE, so a record is never silently changed.
    The one exception is erasure, which blanks `text` and `meta` once and stamps `erased_at`."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "client_msg_id", name="uq_messages_client_msg_id"),
        Index("ix_messages_conversation", "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    sender: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    client_msg_id: Mapped[str | None] = mapped_column(String(100))
    channel_message_id: Mapped[str | None] = mapped_column(String(100))
    # The customer message a bot reply answers. Unique: each message gets at most one bot
    # reply, however often a retried bot turn runs.
    reply_to_id: Mapped[int | None] = mapped_column(BigId, index=True, unique=True)
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    erased_at: Mapped[datetime | None] = mapped_column(Timestamp())


class ConversationEvent(Base):
    """Append-only log of status changes: who, when, why."""

    __tablename__ = "conversation_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    erased_at: Mapped[datetime | None] = mapped_column(Timestamp())


class OutboxItem(Base):
    """Work that must happen after a commit: a bot turn, a delivery to a channel.

    Written in the same transaction as the change that causes it, so a crash between
    commit and send loses nothing; the worker retries until `done_at` is set.
    """

    __tablename__ = "outbox"
    # Over undone items only: the worker's poll reads them in id order, and per conversation.
    __table_args__ = (
        Index("ix_outbox_undone", "id", sqlite_where=text("done_at IS NULL"), postgresql_where=text("done_at IS NULL")),
        Index("ix_outbox_undone_lane", "conversation_id", "id", sqlite_where=text("done_at IS NULL"),
              postgresql_where=text("done_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[str | None] = mapped_column(String(32), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    available_at: Mapped[datetime] = mapped_column(Timestamp())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(Timestamp())


class Delivery(Base):
    """How sending one stored message to its channel went, where there is anything to say:
    the channel's own message ids once sent, or why it has not gone out yet. Agents see the
    failures; a message with no row went out at the first try on a channel without ids."""

    __tablename__ = "deliveries"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # sending | sent | retrying | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    external_ids: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(Timestamp())


class TelegramUpdate(Base):
    """Updates already handled, so a redelivered one is ignored and polling resumes after
    the newest. `error` is set when an update could not be handled and was given up on."""

    __tablename__ = "telegram_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    handled_at: Mapped[datetime] = mapped_column(Timestamp(), index=True)


class Lease(Base):
    """Work only one process may do at a time (an outbox lane, Telegram polling), held until
    `expires_at` and renewed while the work goes on, so a process that dies gives it up by
    itself once its lease runs out."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(Timestamp())
