"""Accounts, passwords and login sessions for the console and the editor."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from gateway.clock import Clock
from gateway.storage.tables import AuthSession, User
from gateway.storage.unit_of_work import UnitOfWorkFactory

SESSION_LIFETIME = timedelta(hours=12)  # one working day, then log in again
USERNAME = re.compile(r"^[A-Za-z0-9._-]{2,64}$")
MIN_PASSWORD = 8


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    EDITOR = "editor"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: Role


class AccountError(ValueError):
    pass


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock):
        self._uow = uow
        self._clock = clock
        self._hasher = PasswordHasher()  # argon2id with the library's current parameters
        # Verified against when the user does not exist, so a wrong name costs as long as a
        # wrong password and timing does not tell which names exist.
        self._decoy = self._hasher.hash(secrets.token_hex(16))

    async def add_user(self, username: str, role: str, password: str) -> Principal:
        if not USERNAME.match(username):
            raise AccountError("username: 2 to 64 letters, digits, '.', '_' or '-'")
        if role not in Role.__members__.values():
            raise AccountError(f"role must be one of {', '.join(Role)}")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"password: at least {MIN_PASSWORD} characters")
        user = User(username=username, role=role, password_hash=self._hasher.hash(password),
                    created_at=self._clock())
        try:
            async with self._uow() as uow:
                uow.users.add(user)
                await uow.commit()
        except IntegrityError:
            raise AccountError(f"user {username!r} exists already") from None
        return Principal(user.id, user.username, Role(user.role))

    async def login(self, username: str, password: str) -> tuple[str, Principal] | None:
        async with self._uow() as uow:
            user = await uow.users.by_name(username)
            if user is None or user.disabled_at is not None:
                self._verify(self._decoy, password)
                return None
            if not self._verify(user.password_hash, password):
                return None
            token = secrets.token_urlsafe(32)
            now = self._clock()
            uow.users.add_session(AuthSession(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                                              expires_at=now + SESSION_LIFETIME))
            await uow.commit()
            return token, Principal(user.id, user.username, Role(user.role))

    async def principal(self, token: str) -> Principal | None:
        if not token or len(token) > 200:
            return None
        async with self._uow() as uow:
            user = await uow.users.session_user(_token_hash(token), self._clock())
            return Principal(user.id, user.username, Role(user.role)) if user else None

    async def logout(self, token: str) -> None:
        async with self._uow() as uow:
            await uow.users.revoke(_token_hash(token), self._clock())
            await uow.commit()

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
