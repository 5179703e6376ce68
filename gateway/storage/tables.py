"""The relational schema. Alembic migrations under `migrations/` create exactly this."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
BigId = BigInteger().with_variant(Integer, "sqlite")


class Timestamp(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    pass


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
    __table_args__ = (Index("ix_outbox_pending", "done_at", "available_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[str | None] = mapped_column(String(32), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    available_at: Mapped[datetime] = mapped_column(Timestamp())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(Timestamp())


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


class User(Base):
    """Console and editor accounts. Customers are not users: they have visitor tokens."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    disabled_at: Mapped[datetime | None] = mapped_column(Timestamp())
    # "zh-CN" or "en": the staff pages follow it once the account is logged in.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")


class AuthSession(Base):
    """A login. Only a hash of the token is stored: a leaked table opens no sessions."""

    __tablename__ = "auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    expires_at: Mapped[datetime] = mapped_column(Timestamp())
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp())
    # Touched at most once a minute: enough to end an idle session without a write per request.
    last_seen_at: Mapped[datetime | None] = mapped_column(Timestamp())


class LoginFailure(Base):
    """A failed staff login, kept for the throttling window: counted per name and per address
    in the database, so every process refuses the same guesser."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_at", "username", "at"),
                      Index("ix_login_failures_ip_at", "ip", "at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(Timestamp())


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


class AuditRecord(Base):
    """Append-only: who changed what and when, for records whose own tables keep no history
    (complaints, user roles). KB entries and conversation status keep theirs in
    `kb_entry_versions` and `conversation_events`; the audit page reads all three."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(Timestamp(), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
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
    source: Mapped[str] = mapped_column(String(16))  # helpful | clarify
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending | approved | rejected
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(Timestamp())


class Lease(Base):
    """Work only one process may do at a time (an outbox lane, Telegram polling), held until
    `expires_at` and renewed while the work goes on, so a process that dies gives it up by
    itself once its lease runs out."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(Timestamp())


class ServiceCalendar(Base):
    """The service calendar an admin saved (one row), which takes over from the settings'.
    `version` makes a save conditional on the version its writer read."""

    __tablename__ = "service_calendar"
    __table_args__ = (CheckConstraint("id = 1", name="ck_service_calendar_one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    calendar: Mapped[dict] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(Timestamp())
