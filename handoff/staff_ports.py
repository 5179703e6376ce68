"""What staff accounts, login sessions and login throttling need from storage, as records
(`gateway/storage/staff_directory.py`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from gateway.conversations.ports import Transaction
from handoff.ports import AuditLog


@dataclass(frozen=True)
class AccountRecord:
    id: int
    username: str
    role: str
    password_hash: str
    language: str
    created_at: datetime
    disabled_at: datetime | None


class StaffDirectory(Protocol):
    async def add_account(self, username: str, role: str, password_hash: str, at: datetime) -> int:
        """The new account's id; StoreConflict when the name is taken."""

    async def accounts(self) -> list[AccountRecord]:
        """By id."""

    async def account(self, user_id: int) -> AccountRecord | None: ...

    async def by_name(self, username: str) -> AccountRecord | None: ...

    async def set_role(self, user_id: int, role: str) -> None: ...

    async def set_language(self, user_id: int, language: str) -> None: ...

    def add_session(self, token_hash: str, user_id: int, created_at: datetime, expires_at: datetime) -> None: ...

    async def session_account(self, token_hash: str, now: datetime,
                              idle: timedelta) -> tuple[AccountRecord | None, bool]:
        """The session's active account while it is unrevoked, unexpired and used within
        `idle`, and whether this use moved its idle clock (then the caller commits)."""

    async def revoke(self, token_hash: str, now: datetime) -> None: ...

    async def revoke_all(self, user_id: int, now: datetime) -> int:
        """How many live sessions were ended."""


class LoginFailures(Protocol):
    async def recent(self, key: str, value: str, since: datetime, limit: int) -> list[datetime]:
        """Times of failures after `since` for a `username` or an `ip`, newest first."""

    def add(self, username: str, ip: str, at: datetime) -> None: ...

    async def forget_before(self, cutoff: datetime) -> None: ...

    async def forget_name(self, username: str) -> None: ...


class AccountsUnitOfWork(Transaction, Protocol):
    staff: StaffDirectory
    login_failures: LoginFailures
    audit: AuditLog
