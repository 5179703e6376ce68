"""Leases: a row per piece of exclusive work, taken with one atomic statement.

Taking is an upsert that only overwrites a lease that has run out (or is already ours), so
two processes racing for one name cannot both win, on PostgreSQL or SQLite.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.storage.tables import Lease


class LeaseRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def take(self, name: str, owner: str, now: datetime, hold: timedelta) -> bool:
        dialect = postgresql if self.session.bind.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(Lease).values(name=name, owner=owner, expires_at=now + hold)
        stmt = stmt.on_conflict_do_update(
            index_elements=[Lease.name],
            set_={"owner": owner, "expires_at": now + hold},
            where=(Lease.expires_at < now) | (Lease.owner == owner),
        )
        return (await self.session.execute(stmt)).rowcount == 1

    async def renew_owned(self, owner: str, now: datetime, hold: timedelta) -> int:
        """Every lease this owner still holds; one that ran out may be someone else's now."""
        stmt = (update(Lease).where(Lease.owner == owner, Lease.expires_at >= now)
                .values(expires_at=now + hold))
        return (await self.session.execute(stmt)).rowcount

    async def release(self, name: str, owner: str) -> None:
        await self.session.execute(delete(Lease).where(Lease.name == name, Lease.owner == owner))
