"""The audit trail on SQLAlchemy: entries written with the change they describe, and the
merged read of the trail, the knowledge-base versions and the conversation events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit import TYPES, AuditEntry, AuditQuery
from gateway.storage.tables import AuditRecord, ConversationEvent, KbEntryVersion


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


class SqlAuditLog:
    def __init__(self, session: AsyncSession):
        self.session = session

    def add(self, entry: AuditEntry) -> None:
        self.session.add(AuditRecord(at=entry.at, actor=entry.actor, action=entry.action,
                                     object_type=entry.object_type, object_id=entry.object_id,
                                     summary=entry.summary, before=entry.before, after=entry.after))

    async def read(self, query: AuditQuery) -> list[dict]:
        """Newest first across the three sources; each is cut at `limit` before merging, which
        cannot drop a row that belongs in the first `limit` of the merge."""
        wanted = [query.type] if query.type else list(TYPES)
        rows: list[dict] = []
        if "kb" in wanted:
            rows += await _kb(self.session, query)
        if "conversation" in wanted:
            rows += await _conversations(self.session, query)
        logged = [t for t in wanted if t not in ("kb",)]
        if logged:
            rows += await _log(self.session, query, logged)
        rows.sort(key=lambda r: datetime.fromisoformat(r["at"]), reverse=True)
        return rows[:query.limit]
