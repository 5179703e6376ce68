"""The audit trail: who changed what, and when.

Complaints and user roles have no history of their own, so each change writes an audit
entry in the same unit of work as the change (a rollback takes both back). Knowledge-base
entries and conversation status already keep append-only histories; reading merges all
three, newest first. What happens to a conversation besides its status (a reveal of masked
personal data) is logged too. The unit of work's `audit` (gateway/storage/audit_log.py)
stores and reads them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

TYPES = ("kb", "conversation", "complaint", "user", "customer", "service_hours", "canned_reply", "webhook")
MAX_LIMIT = 500


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    summary: str
    before: dict | None = None
    after: dict | None = None


def record(uow, *, at: datetime, actor: str, action: str, object_type: str, object_id: str, summary: str,
           before: dict | None = None, after: dict | None = None) -> None:
    """Adds the entry to the caller's unit of work: it commits with the change it describes."""
    uow.audit.add(AuditEntry(at, actor[:100], action[:32], object_type, str(object_id)[:64], summary, before, after))


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that differ, so a row says what the change was, not the whole record."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


@dataclass(frozen=True)
class AuditQuery:
    type: str | None = None
    actor: str | None = None  # a case-insensitive part of the actor
    start: datetime | None = None
    end: datetime | None = None
    limit: int = 100


async def read(uow, query: AuditQuery) -> list[dict]:
    """Newest first across the trail's sources, at most `query.limit`."""
    return await uow.audit.read(query)
