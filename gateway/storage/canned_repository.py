"""Canned replies on SQLAlchemy."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.storage.conflicts import conflicts_as_domain_errors
from gateway.storage.tables import AuditRecord, CannedReply as Row
from handoff.canned_replies import AUDIT_TYPE, CannedReply, CannedReplyFields, CannedReplyNotFound


def _reply(row: Row) -> CannedReply:
    return CannedReply(row.shortcut, row.title, row.text, row.language, row.id, row.updated_at, row.updated_by)


class SqlCannedReplies:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def all(self, language: str | None = None) -> list[CannedReply]:
        stmt = select(Row).order_by(Row.language, Row.shortcut)
        if language is not None:
            stmt = stmt.where(Row.language == language)
        return [_reply(r) for r in (await self.session.execute(stmt)).scalars()]

    async def get(self, reply_id: int) -> CannedReply | None:
        row = await self.session.get(Row, reply_id)
        return _reply(row) if row is not None else None

    async def holder(self, shortcut: str, language: str) -> int | None:
        return await self.session.scalar(select(Row.id).where(Row.shortcut == shortcut, Row.language == language))

    async def add(self, fields: CannedReplyFields, by: str, at: datetime) -> CannedReply:
        row = Row(shortcut=fields.shortcut, title=fields.title, text=fields.text, language=fields.language,
                  updated_by=by, updated_at=at)
        self.session.add(row)
        async with conflicts_as_domain_errors():  # a writer who checked the shortcut at the same moment
            await self.session.flush()
        return _reply(row)

    async def replace(self, reply_id: int, fields: CannedReplyFields, by: str, at: datetime) -> CannedReply:
        row = await self.session.get(Row, reply_id)
        if row is None:  # deleted since the caller read it
            raise CannedReplyNotFound(f"no canned reply {reply_id}")
        row.shortcut, row.title, row.text, row.language = fields.shortcut, fields.title, fields.text, fields.language
        row.updated_by, row.updated_at = by, at
        async with conflicts_as_domain_errors():
            await self.session.flush()
        return _reply(row)

    async def remove(self, reply_id: int) -> None:
        await self.session.execute(delete(Row).where(Row.id == reply_id))

    async def ever_written(self) -> bool:
        return bool(await self.session.scalar(select(or_(
            exists().where(Row.id.is_not(None)),
            exists().where(AuditRecord.object_type == AUDIT_TYPE)))))
