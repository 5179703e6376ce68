"""The relational schema. Alembic migrations under `migrations/` create exactly this; every
table is importable from here."""
from gateway.storage.tables.base import Base, BigId, Timestamp
from gateway.storage.tables.conversations import (
    Customer,
    ChannelIdentity,
    Conversation,
    Message,
    ConversationEvent,
    OutboxItem,
    Delivery,
    TelegramUpdate,
    Lease,
)
from gateway.storage.tables.knowledge import (
    KbEntry,
    KbEntryVersion,
    UnansweredHandled,
    KbProposal,
)
from gateway.storage.tables.staff import (
    User,
    AuthSession,
    LoginFailure,
    AuditRecord,
    ServiceCalendar,
)
from gateway.storage.tables.handoffs import (
    Handoff,
    AgentPresence,
    Complaint,
    ComplaintClock,
    ComplaintCounter,
    ConversationNote,
    CsatResponse,
    GuardHit,
    QualitySample,
    QualityReview,
)

__all__ = [
    "Base",
    "BigId",
    "Timestamp",
    "Customer",
    "ChannelIdentity",
    "Conversation",
    "Message",
    "ConversationEvent",
    "OutboxItem",
    "Delivery",
    "TelegramUpdate",
    "Lease",
    "KbEntry",
    "KbEntryVersion",
    "UnansweredHandled",
    "KbProposal",
    "User",
    "AuthSession",
    "LoginFailure",
    "AuditRecord",
    "ServiceCalendar",
    "Handoff",
    "AgentPresence",
    "Complaint",
    "ComplaintClock",
    "ComplaintCounter",
    "ConversationNote",
    "CsatResponse",
    "GuardHit",
    "QualitySample",
    "QualityReview",
]
