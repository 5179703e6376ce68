"""Channel bookkeeping: how deliveries went, and which Telegram updates were handled."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.storage.tables import Delivery, TelegramUpdate


class ChannelRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def delivery(self, message_id: int) -> Delivery | None:
        return await self.session.get(Delivery, message_id)

    async def deliveries(self, message_ids: list[int]) -> dict[int, Delivery]:
        if not message_ids:
            return {}
        rows = await self.session.execute(select(Delivery).where(Delivery.message_id.in_(message_ids)))
        return {d.message_id: d for d in rows.scalars()}

    async def record_delivery(self, message_id: int, channel: str, status: str, at: datetime, *,
                              attempts: int | None = None, error: str | None = None,
                              external_ids: list[str] | None = None) -> Delivery:
        row = await self.session.get(Delivery, message_id)
        if row is None:
            row = Delivery(message_id=message_id, channel=channel, attempts=0, external_ids=[])
            self.session.add(row)
        row.status, row.updated_at = status, at
        if attempts is not None:
            row.attempts = attempts
        if error is not None:
            row.last_error = error[:2000]
        if external_ids is not None:
            row.external_ids = list(external_ids)
        return row

    async def update_handled(self, update_id: int) -> bool:
        return await self.session.get(TelegramUpdate, update_id) is not None

    def mark_update(self, update_id: int, kind: str, at: datetime, error: str | None = None) -> None:
        self.session.add(TelegramUpdate(update_id=update_id, kind=kind, error=error, handled_at=at))

    async def newest_update(self) -> int | None:
        return (await self.session.execute(select(func.max(TelegramUpdate.update_id)))).scalar()

    async def forget_updates_before(self, cutoff: datetime) -> int:
        """Telegram redelivers for at most a day; older ids only matter for the newest one."""
        newest = await self.newest_update()
        stmt = delete(TelegramUpdate).where(TelegramUpdate.handled_at < cutoff)
        if newest is not None:
            stmt = stmt.where(TelegramUpdate.update_id != newest)
        return (await self.session.execute(stmt)).rowcount
