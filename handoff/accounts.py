"""Accounts, passwords and login sessions for the console and the editor."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from typing import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gateway import audit
from gateway.clock import Clock
from gateway.conversations.ports import StoreConflict
from handoff.staff import Role, StaffMember
from handoff.staff_ports import AccountsUnitOfWork

SESSION_LIFETIME = timedelta(hours=12)  # one working day, then log in again
SESSION_IDLE = timedelta(hours=4)  # a console left open and unused on a shared desk
USERNAME = re.compile(r"^[A-Za-z0-9._-]{2,64}$")
MIN_PASSWORD = 8


class AccountError(ValueError):
    pass


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(self, uow: Callable[[], AccountsUnitOfWork], clock: Clock, *, lifetime: timedelta = SESSION_LIFETIME,
                 idle: timedelta = SESSION_IDLE):
        self._uow = uow
        self._clock = clock
        self._lifetime = lifetime
        self._idle = idle
        self._hasher = PasswordHasher()  # argon2id with the library's current parameters
        # Verified against when the user does not exist, so a wrong name costs as long as a
        # wrong password and timing does not tell which names exist.
        self._decoy = self._hasher.hash(secrets.token_hex(16))

    async def add_user(self, username: str, role: str, password: str, *, actor: str = "system") -> StaffMember:
        """`actor` is who is creating the account, for the audit log ("cli:root", "admin:ann")."""
        if not USERNAME.match(username):
            raise AccountError("username: 2 to 64 letters, digits, '.', '_' or '-'")
        if role not in Role.__members__.values():
            raise AccountError(f"role must be one of {', '.join(Role)}")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"password: at least {MIN_PASSWORD} characters")
        password_hash, now = self._hasher.hash(password), self._clock()
        try:
            async with self._uow() as uow:
                user_id = await uow.staff.add_account(username, role, password_hash, now)
                audit.record(uow, at=now, actor=actor, action="created", object_type="user",
                             object_id=str(user_id), summary=f"account {username} created as {role}",
                             after={"username": username, "role": role})
                await uow.commit()
        except StoreConflict:
            raise AccountError(f"user {username!r} exists already") from None
        return StaffMember(user_id, username, Role(role))

    async def users(self) -> list[dict]:
        async with self._uow() as uow:
            rows = await uow.staff.accounts()
            return [{"id": u.id, "username": u.username, "role": u.role, "created_at": u.created_at.isoformat(),
                     "disabled": u.disabled_at is not None} for u in rows]

    async def set_role(self, user_id: int, role: str, by: StaffMember) -> dict:
        """Changes take effect at the person's next request: roles are read per request."""
        if role not in Role.__members__.values():
            raise AccountError(f"role must be one of {', '.join(Role)}")
        if user_id == by.user_id:
            raise AccountError("you may not change your own role (ask another admin)")
        async with self._uow() as uow:
            user = await uow.staff.account(user_id)
            if user is None:
                raise LookupError(f"no user {user_id}")
            before = user.role
            if before != role:
                await uow.staff.set_role(user_id, role)
                audit.record(uow, at=self._clock(), actor=f"{by.role}:{by.username}", action="role_changed",
                             object_type="user", object_id=str(user.id),
                             summary=f"{user.username}: {before} → {role}", before={"role": before},
                             after={"role": role})
                await uow.commit()
            return {"id": user.id, "username": user.username, "role": role, "previous_role": before}

    async def set_language(self, user_id: int, language: str) -> None:
        async with self._uow() as uow:
            if await uow.staff.account(user_id) is None:
                raise LookupError(f"no user {user_id}")
            await uow.staff.set_language(user_id, language)
            await uow.commit()

    async def login(self, username: str, password: str) -> tuple[str, StaffMember] | None:
        async with self._uow() as uow:
            user = await uow.staff.by_name(username)
            if user is None or user.disabled_at is not None:
                self._verify(self._decoy, password)
                return None
            if not self._verify(user.password_hash, password):
                return None
            token = secrets.token_urlsafe(32)
            now = self._clock()
            uow.staff.add_session(_token_hash(token), user.id, now, now + self._lifetime)
            await uow.commit()
            return token, StaffMember(user.id, user.username, Role(user.role), user.language)

    async def principal(self, token: str) -> StaffMember | None:
        if not token or len(token) > 200:
            return None
        async with self._uow() as uow:
            user, touched = await uow.staff.session_account(_token_hash(token), self._clock(), self._idle)
            principal = StaffMember(user.id, user.username, Role(user.role), user.language) if user else None
            if touched:  # the idle clock moved on
                await uow.commit()
            return principal

    async def logout(self, token: str) -> None:
        async with self._uow() as uow:
            await uow.staff.revoke(_token_hash(token), self._clock())
            await uow.commit()

    async def logout_everywhere(self, user_id: int, *, actor: str) -> int:
        """Ends every session of one person (their own "log out everywhere", or an admin's
        lock-out); audited, since it is how a stolen session is cut off."""
        now = self._clock()
        async with self._uow() as uow:
            ended = await uow.staff.revoke_all(user_id, now)
            audit.record(uow, at=now, actor=actor, action="sessions_ended", object_type="user",
                         object_id=str(user_id), summary=f"{ended} session(s) ended", after={"sessions": ended})
            await uow.commit()
        return ended

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
