"""Staff accounts and their sessions, the audit log and the service calendar."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from gateway.storage.tables.base import Base, BigId, Timestamp


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


class CannedReply(Base):
    """A supervisor's ready-made reply; its changes are in the audit log, not here."""

    __tablename__ = "canned_replies"
    __table_args__ = (UniqueConstraint("language", "shortcut", name="uq_canned_replies_language_shortcut"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    shortcut: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(Timestamp())


class WebhookEndpoint(Base):
    """Where the shop's systems hear about conversations; changes are in the audit log."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(256))
    events: Mapped[list] = mapped_column(JSON)
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Removed endpoints stay as rows without secret or events: a transaction that read the
    # endpoint just before may still write a delivery for it, and its foreign key must hold
    # (on PostgreSQL a delete would fail that transaction, a customer's message or a bot reply).
    removed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    updated_at: Mapped[datetime] = mapped_column(Timestamp())


class OrderVerificationFailure(Base):
    """Wrong phone digits sent for an order, whichever conversation sent them (bot/order_status.py's
    VerificationLog). The order id is kept only as a keyed hash: its number would be personal
    data, and the table need only tell whether the same order comes back."""

    __tablename__ = "order_verification_failures"
    __table_args__ = (Index("ix_order_verification_failures_order", "order_key", "failed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_key: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(Timestamp())


class WebhookDelivery(Base):
    """One event for one endpoint, written in the transaction of the change it tells of, so a
    crash loses none; the body is kept as sent, so every retry carries the same bytes and id.
    An endpoint's deliveries go out in id order, each after the one before is done."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_waiting", "status", "endpoint_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(40))
    # The conversation the event tells of, when it tells of one: erasing its customer reaches the body.
    conversation_id: Mapped[str | None] = mapped_column(String(32), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    # When its 24 h of tries last began: set by a resend; null = at created_at.
    tried_since: Mapped[datetime | None] = mapped_column(Timestamp())
    next_attempt_at: Mapped[datetime] = mapped_column(Timestamp())
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(Timestamp())
