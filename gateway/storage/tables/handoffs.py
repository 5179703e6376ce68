"""Hand-offs and what people do with them: presence, complaints and their clocks, notes,
ratings, guard hits, quality review."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.storage.tables.base import Base, BigId, Timestamp


class Handoff(Base):
    """One hand-off of a conversation to people, with its first-response clock as data:
    any process can re-evaluate it, and a restart never resets it."""

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_open_due", "resolved_at", "first_response_due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # complaint | human_request | low_confidence | …
    reason: Mapped[str] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer)  # 0 first
    category: Mapped[str | None] = mapped_column(String(16))
    severity: Mapped[str | None] = mapped_column(String(16))
    queued_at: Mapped[datetime] = mapped_column(Timestamp())
    first_response_due_at: Mapped[datetime] = mapped_column(Timestamp())
    warned_50_at: Mapped[datetime | None] = mapped_column(Timestamp())
    warned_80_at: Mapped[datetime | None] = mapped_column(Timestamp())
    breached_at: Mapped[datetime | None] = mapped_column(Timestamp())
    first_response_at: Mapped[datetime | None] = mapped_column(Timestamp())
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(Timestamp())
    resolved_at: Mapped[datetime | None] = mapped_column(Timestamp())


class AgentPresence(Base):
    __tablename__ = "agent_presence"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # online | away | offline
    capacity: Mapped[int] = mapped_column(Integer)  # most conversations at once
    updated_at: Mapped[datetime] = mapped_column(Timestamp())


class Complaint(Base):
    """The complaint register. Id: date, channel code, daily serial (20261122-WEB-0001)."""

    __tablename__ = "complaints"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16), index=True)
    severity_reasons: Mapped[list] = mapped_column(JSON, default=list)
    demand: Mapped[str] = mapped_column(String(16))  # refund | exchange | apology | other
    status: Mapped[str] = mapped_column(String(16), index=True)  # open | in_progress | closed
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    evidence_message_ids: Mapped[list] = mapped_column(JSON, default=list)
    root_cause: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp())


class ComplaintClock(Base):
    """One policy deadline of a complaint (contact, plan, supervisor, process, update)."""

    __tablename__ = "complaint_clocks"
    __table_args__ = (UniqueConstraint("complaint_id", "kind", name="uq_complaint_clock"),
                      Index("ix_complaint_clocks_due", "met_at", "breached_at", "due_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaints.id"))
    kind: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(Timestamp())
    met_at: Mapped[datetime | None] = mapped_column(Timestamp())
    breached_at: Mapped[datetime | None] = mapped_column(Timestamp())


class ComplaintCounter(Base):
    """The daily serial per channel code; incremented under a row lock."""

    __tablename__ = "complaint_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    channel_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class ConversationNote(Base):
    """Private notes between agents: never delivered to the customer, never edited."""

    __tablename__ = "conversation_notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    erased_at: Mapped[datetime | None] = mapped_column(Timestamp())


class CsatResponse(Base):
    __tablename__ = "csat_responses"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id"), unique=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp())


class GuardHit(Base):
    """A reply-guard warning shown to an agent, and whether they sent anyway: for quality review."""

    __tablename__ = "guard_hits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    excerpt: Mapped[str] = mapped_column(Text)
    sent_anyway: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    erased_at: Mapped[datetime | None] = mapped_column(Timestamp())


class QualitySample(Base):
    """A random draw of resolved conversations for review, kept so the draw can be shown to
    have been random (its seed) and what it covered."""

    __tablename__ = "quality_samples"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    drawn_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    drawn_at: Mapped[datetime] = mapped_column(Timestamp())
    period_from: Mapped[datetime] = mapped_column(Timestamp())
    period_to: Mapped[datetime] = mapped_column(Timestamp())
    size: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(64))
    conversation_ids: Mapped[list] = mapped_column(JSON)


class QualityReview(Base):
    """Append-only: one reviewer's checklist for one conversation; a second look is a new row."""

    __tablename__ = "quality_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("quality_samples.id"), index=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    courtesy: Mapped[int] = mapped_column(Integer)  # 1..5
    accuracy: Mapped[int] = mapped_column(Integer)  # 1..5
    resolved: Mapped[bool] = mapped_column(Boolean)
    forbidden_hits: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    erased_at: Mapped[datetime | None] = mapped_column(Timestamp())
