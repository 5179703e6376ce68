"""The outbox table: work recorded in the same transaction as the change that causes it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.storage.tables import OutboxItem


class OutboxRepository:
    def __init__(self, session: AsyncSession):
        self.session = session
        self.added = 0

    def add(self, kind: str, payload: dict, at: datetime, conversation_id: str | None = None) -> None:
        self.session.add(
            OutboxItem(
                kind=kind,
                conversation_id=conversation_id,
                payload=payload,
                created_at=at,
                available_at=at,
                attempts=0,
            )
        )
        self.added += 1

    async def pending(self, limit: int) -> list[OutboxItem]:
        """Undone items in commit order, due or waiting for a retry."""
        stmt = select(OutboxItem).where(OutboxItem.done_at.is_(None)).order_by(OutboxItem.id).limit(limit)
        return list((await self.session.execute(stmt)).scalars().all())

    async def attempts(self, item_id: int) -> int:
        return (await self.session.get(OutboxItem, item_id)).attempts

    async def mark_done(self, item_id: int, at: datetime) -> None:
        await self.session.execute(
            update(OutboxItem).where(OutboxItem.id == item_id).values(done_at=at)
        )

    async def mark_failed(self, item_id: int, error: str, retry_at: datetime) -> None:
        await self.session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == item_id)
            .values(attempts=OutboxItem.attempts + 1, last_error=error[:2000], available_at=retry_at)
        )
