"""Accounts and login sessions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.storage.tables import AuthSession, User


class UserRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def by_name(self, username: str) -> User | None:
        return (await self.session.execute(select(User).where(User.username == username))).scalar_one_or_none()

    def add(self, user: User) -> None:
        self.session.add(user)

    def add_session(self, login: AuthSession) -> None:
        self.session.add(login)

    async def session_user(self, token_hash: str, now: datetime) -> User | None:
        stmt = (
            select(User)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(AuthSession.token_hash == token_hash, AuthSession.revoked_at.is_(None),
                   AuthSession.expires_at > now, User.disabled_at.is_(None))
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def revoke(self, token_hash: str, now: datetime) -> None:
        await self.session.execute(
            update(AuthSession).where(AuthSession.token_hash == token_hash).values(revoked_at=now))
