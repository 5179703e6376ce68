"""Accounts and login sessions."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.storage.tables import AuthSession, User

# How stale `last_seen_at` may get before a request refreshes it.
TOUCH_EVERY = timedelta(minutes=1)


class UserRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def by_name(self, username: str) -> User | None:
        return (await self.session.execute(select(User).where(User.username == username))).scalar_one_or_none()

    def add_session(self, login: AuthSession) -> None:
        self.session.add(login)

    async def session_user(self, token_hash: str, now: datetime, idle: timedelta) -> User | None:
        """The session's user while it is unrevoked, unexpired and used within `idle`; a use
        refreshes the idle clock (the caller commits)."""
        stmt = (
            select(User, AuthSession)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(AuthSession.token_hash == token_hash, AuthSession.revoked_at.is_(None),
                   AuthSession.expires_at > now, User.disabled_at.is_(None))
        )
        row = (await self.session.execute(stmt)).one_or_none()
        if row is None:
            return None
        user, login = row
        seen = login.last_seen_at or login.created_at
        if now - seen > idle:
            return None
        if now - seen > TOUCH_EVERY:
            login.last_seen_at = now
        return user

    async def revoke(self, token_hash: str, now: datetime) -> None:
        await self.session.execute(
            update(AuthSession).where(AuthSession.token_hash == token_hash).values(revoked_at=now))

    async def revoke_all(self, user_id: int, now: datetime) -> int:
        """Every live session of one person: "log out everywhere", or an admin locking them out."""
        result = await self.session.execute(
            update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None),
                                      AuthSession.expires_at > now).values(revoked_at=now))
        return result.rowcount
