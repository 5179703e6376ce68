"""The knowledge base: entries, their versions, what editors handled and what customers proposed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.storage.tables.base import Base, BigId, Timestamp


class KbEntry(Base):
    """The current state of a knowledge-base entry; its past lives in KbEntryVersion."""

    __tablename__ = "kb_entries"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), index=True)
    question: Mapped[str] = mapped_column(Text)
    alternates: Mapped[list] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), index=True)
    # An edit names the version it started from; a stale one is refused, never overwritten.
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    updated_at: Mapped[datetime] = mapped_column(Timestamp())
    deleted_at: Mapped[datetime | None] = mapped_column(Timestamp())


class KbEntryVersion(Base):
    """Append-only history: every create, edit, publish and delete, with its author."""

    __tablename__ = "kb_entry_versions"
    __table_args__ = (UniqueConstraint("entry_id", "version", name="uq_kb_entry_version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(100))
    snapshot: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp())


class UnansweredHandled(Base):
    """A question the bot could not answer that an editor dealt with: turned into an entry,
    or dismissed, so it leaves the unanswered list."""

    __tablename__ = "kb_unanswered_handled"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    action: Mapped[str] = mapped_column(String(16))  # entry | dismissed
    entry_id: Mapped[str | None] = mapped_column(String(64))
    handled_by: Mapped[str] = mapped_column(String(100))
    handled_at: Mapped[datetime] = mapped_column(Timestamp())


class KbProposal(Base):
    """A customer's words proposed as an alternate of the entry that answered them: a Helpful
    click on an answer, a choice among clarify options. Nothing reaches the bot until an
    editor approves it, which writes a new version of the entry."""

    __tablename__ = "kb_proposals"
    __table_args__ = (UniqueConstraint("entry_id", "text", name="uq_kb_proposal_entry_text"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(String(80), index=True)
    text: Mapped[str] = mapped_column(String(300))  # personal data masked
    source: Mapped[str] = mapped_column(String(16))  # helpful | clarify | agent
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending | approved | rejected
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(Timestamp())
