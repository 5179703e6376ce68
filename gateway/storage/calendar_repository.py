"""The saved service calendar: one row, replaced only by a writer who read its version."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.storage.tables import ServiceCalendar
from handoff.ports import SavedCalendar

ROW = 1


class CalendarRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def version(self) -> int:
        """0 while nothing is saved: the calendar then comes from the settings."""
        found = await self.session.scalar(select(ServiceCalendar.version).where(ServiceCalendar.id == ROW))
        return found or 0

    async def get(self) -> SavedCalendar | None:
        row = await self.session.get(ServiceCalendar, ROW, populate_existing=True)
        return SavedCalendar(row.calendar, row.version, row.updated_by, row.updated_at) if row is not None else None

    async def replace(self, version: int, calendar: dict, by: str, at: datetime) -> bool:
        """Writes version + 1 over `version` (0: the first save); False when someone else
        wrote first, so nothing was changed."""
        if version == 0:
            # Two first saves race on the row's key: the loser inserts nothing.
            dialect = postgresql if self.session.bind.dialect.name == "postgresql" else sqlite
            stmt = dialect.insert(ServiceCalendar).values(id=ROW, calendar=calendar, version=1, updated_by=by,
                                                          updated_at=at).on_conflict_do_nothing()
            return (await self.session.execute(stmt)).rowcount == 1
        stmt = (update(ServiceCalendar).where(ServiceCalendar.id == ROW, ServiceCalendar.version == version)
                .values(calendar=calendar, version=version + 1, updated_by=by, updated_at=at))
        return (await self.session.execute(stmt)).rowcount == 1
