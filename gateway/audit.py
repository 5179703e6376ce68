"""The audit trail: who changed what, and when.

Complaints and user roles have no history of their own, so each change writes an
`audit_log` row in the same transaction as the change (a rollback takes both back).
Knowledge-base entries and conversation status already keep append-only histories
(`kb_entry_versions`, `conversation_events`); `read` merges all three, newest first. What
happens to a conversation besides its status (a reveal of masked personal data) is logged too.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from gateway.storage.tables import AuditRecord, ConversationEvent, KbEntryVersion

TYPES = ("kb", "conversation", "complaint", "user", "customer", "service_hours")
MAX_LIMIT = 500


def record(uow, *, at: datetime, actor: str, action: str, object_type: str, object_id: str, summary: str,
           before: dict | None = None, after: dict | None = None) -> None:
    """Adds the row to the caller's unit of work: it commits with the change it describes."""
    uow.session.add(AuditRecord(at=at, actor=actor[:100], action=action[:32], object_type=object_type,
                                object_id=str(object_id)[:64], summary=summary, before=before, after=after))


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


def _iso(value: datetime) -> str:
    return value.isoformat()


def _window(stmt, column, query: AuditQuery):
    if query.start is not None:
        stmt = stmt.where(column >= query.start)
    if query.end is not None:
        stmt = stmt.where(column < query.end)
    return stmt.order_by(column.desc()).limit(query.limit)


async def _kb(session, query: AuditQuery) -> list[dict]:
    stmt = select(KbEntryVersion)
    if query.actor:
        stmt = stmt.where(KbEntryVersion.author.icontains(query.actor, autoescape=True))
    rows = (await session.execute(_window(stmt, KbEntryVersion.created_at, query))).scalars().all()
    return [{"type": "kb", "at": _iso(v.created_at), "actor": v.author, "action": v.action, "object_id": v.entry_id,
             "summary": f"version {v.version}: {(v.snapshot or {}).get('question', '')}"[:300],
             "before": None, "after": {"version": v.version, "status": (v.snapshot or {}).get("status")}}
            for v in rows]


async def _conversations(session, query: AuditQuery) -> list[dict]:
    stmt = select(ConversationEvent)
    if query.actor:
        stmt = stmt.where(ConversationEvent.actor.icontains(query.actor, autoescape=True))
    rows = (await session.execute(_window(stmt, ConversationEvent.created_at, query))).scalars().all()
    return [{"type": "conversation", "at": _iso(e.created_at), "actor": e.actor, "action": "status",
             "object_id": e.conversation_id, "summary": e.reason,
             "before": {"status": e.from_status} if e.from_status else None, "after": {"status": e.to_status}}
            for e in rows]


async def _log(session, query: AuditQuery, object_types: list[str]) -> list[dict]:
    stmt = select(AuditRecord).where(AuditRecord.object_type.in_(object_types))
    if query.actor:
        stmt = stmt.where(AuditRecord.actor.icontains(query.actor, autoescape=True))
    rows = (await session.execute(_window(stmt, AuditRecord.at, query))).scalars().all()
    return [{"type": r.object_type, "at": _iso(r.at), "actor": r.actor, "action": r.action, "object_id": r.object_id,
             "summary": r.summary, "before": r.before, "after": r.after} for r in rows]


async def read(uow, query: AuditQuery) -> list[dict]:
    """Newest first across the three sources; each is cut at `limit` before merging, which
    cannot drop a row that belongs in the first `limit` of the merge."""
    wanted = [query.type] if query.type else list(TYPES)
    rows: list[dict] = []
    if "kb" in wanted:
        rows += await _kb(uow.session, query)
    if "conversation" in wanted:
        rows += await _conversations(uow.session, query)
    logged = [t for t in wanted if t in ("complaint", "user", "conversation", "customer", "service_hours")]
    if logged:
        rows += await _log(uow.session, query, logged)
    rows.sort(key=lambda r: datetime.fromisoformat(r["at"]), reverse=True)
    return rows[:query.limit]
