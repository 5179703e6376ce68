"""Staff accounts, login sessions and login failures on SQLAlchemy (`handoff.staff_ports`)."""
from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.storage.conflicts import conflicts_as_domain_errors
from gateway.storage.tables import AuthSession, LoginFailure, User
from gateway.storage.user_repository import UserRepository
from handoff.staff_ports import AccountRecord

FIELDS = [f.name for f in fields(AccountRecord)]


def _account(row: User) -> AccountRecord:
    return AccountRecord(**{name: getattr(row, name) for name in FIELDS})


class SqlStaffDirectory:
    def __init__(self, session: AsyncSession):
        self.session = session
        self._rows = UserRepository(session)

    async def add_account(self, username: str, role: str, password_hash: str, at: datetime) -> int:
        user = User(username=username, role=role, password_hash=password_hash, created_at=at)
        self.session.add(user)
        async with conflicts_as_domain_errors():
            await self.session.flush()
        return user.id

    async def accounts(self) -> list[AccountRecord]:
        return [_account(u) for u in (await self.session.execute(select(User).order_by(User.id))).scalars()]

    async def account(self, user_id: int) -> AccountRecord | None:
        user = await self.session.get(User, user_id)
        return _account(user) if user is not None else None

    async def by_name(self, username: str) -> AccountRecord | None:
        user = await self._rows.by_name(username)
        return _account(user) if user is not None else None

    async def set_role(self, user_id: int, role: str) -> None:
        (await self.session.get(User, user_id)).role = role

    async def set_language(self, user_id: int, language: str) -> None:
        (await self.session.get(User, user_id)).language = language

    def add_session(self, token_hash: str, user_id: int, created_at: datetime, expires_at: datetime) -> None:
        self._rows.add_session(AuthSession(token_hash=token_hash, user_id=user_id, created_at=created_at,
                                           expires_at=expires_at, last_seen_at=created_at))

    async def session_account(self, token_hash: str, now: datetime,
                              idle: timedelta) -> tuple[AccountRecord | None, bool]:
        user = await self._rows.session_user(token_hash, now, idle)
        return (_account(user) if user is not None else None), bool(self.session.dirty)

    async def revoke(self, token_hash: str, now: datetime) -> None:
        await self._rows.revoke(token_hash, now)

    async def revoke_all(self, user_id: int, now: datetime) -> int:
        return await self._rows.revoke_all(user_id, now)


class SqlLoginFailures:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def recent(self, key: str, value: str, since: datetime, limit: int) -> list[datetime]:
        column = {"username": LoginFailure.username, "ip": LoginFailure.ip}[key]
        stmt = (select(LoginFailure.at).where(column == value, LoginFailure.at > since)
                .order_by(LoginFailure.at.desc()).limit(limit))
        return list((await self.session.execute(stmt)).scalars().all())

    def add(self, username: str, ip: str, at: datetime) -> None:
        self.session.add(LoginFailure(username=username, ip=ip, at=at))

    async def forget_before(self, cutoff: datetime) -> None:
        await self.session.execute(delete(LoginFailure).where(LoginFailure.at <= cutoff))

    async def forget_name(self, username: str) -> None:
        await self.session.execute(delete(LoginFailure).where(LoginFailure.username == username))
