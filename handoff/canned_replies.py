"""Canned replies: the shop's own words for what agents say often, kept by supervisors.

A shortcut names a reply within its language (`/refund` in zh and `/refund` in en are two
replies), so an agent's `/` picker finds the one for the customer's language. Every change
is audited with what it changed; the demo replies are written once, on a first start.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Callable, Protocol

from gateway import audit
from gateway.clock import Clock
from gateway.conversations.ports import StoreConflict, Transaction
from handoff.ports import AuditLog

AUDIT_TYPE = "canned_reply"


@dataclass(frozen=True)
class CannedReplyFields:
    shortcut: str
    title: str
    text: str
    language: str


@dataclass(frozen=True)
class CannedReply(CannedReplyFields):
    id: int
    updated_at: datetime
    updated_by: str

    def to_dict(self) -> dict:
        return {**asdict(self), "updated_at": self.updated_at.isoformat()}


class ShortcutTaken(ValueError):
    pass


class CannedReplyNotFound(LookupError):
    pass


class CannedReplyStore(Protocol):
    async def all(self, language: str | None = None) -> list[CannedReply]:
        """By language, then shortcut."""

    async def get(self, reply_id: int) -> CannedReply | None: ...

    async def holder(self, shortcut: str, language: str) -> int | None:
        """The id of the reply with this shortcut in this language, if any."""

    async def add(self, fields: CannedReplyFields, by: str, at: datetime) -> CannedReply: ...

    async def replace(self, reply_id: int, fields: CannedReplyFields, by: str, at: datetime) -> CannedReply: ...

    async def remove(self, reply_id: int) -> None: ...

    async def ever_written(self) -> bool:
        """Whether any reply was ever stored, so that deleting them all does not bring the demo back."""


class CannedUnitOfWork(Transaction, Protocol):
    canned: CannedReplyStore
    audit: AuditLog


def _content(reply: CannedReplyFields) -> dict:
    return {"shortcut": reply.shortcut, "title": reply.title, "text": reply.text, "language": reply.language}


class CannedReplies:
    def __init__(self, uow: Callable[[], CannedUnitOfWork], clock: Clock):
        self._uow = uow
        self._clock = clock

    async def list(self, language: str | None = None) -> list[CannedReply]:
        async with self._uow() as uow:
            return await uow.canned.all(language)

    async def create(self, fields: CannedReplyFields, actor: str) -> CannedReply:
        now = self._clock()
        async with self._uow() as uow:
            if await uow.canned.holder(fields.shortcut, fields.language) is not None:
                raise ShortcutTaken(_taken(fields))
            try:
                created = await uow.canned.add(fields, actor, now)
            except StoreConflict:  # taken between the check and the write
                raise ShortcutTaken(_taken(fields)) from None
            audit.record(uow, at=now, actor=actor, action="create", object_type=AUDIT_TYPE, object_id=str(created.id),
                         summary=f"/{fields.shortcut} ({fields.language}) added", after=_content(fields))
            await uow.commit()
        return created

    async def update(self, reply_id: int, fields: CannedReplyFields, actor: str) -> CannedReply:
        now = self._clock()
        async with self._uow() as uow:
            current = await uow.canned.get(reply_id)
            if current is None:
                raise CannedReplyNotFound(f"no canned reply {reply_id}")
            if await uow.canned.holder(fields.shortcut, fields.language) not in (None, reply_id):
                raise ShortcutTaken(_taken(fields))
            try:
                updated = await uow.canned.replace(reply_id, fields, actor, now)
            except StoreConflict:
                raise ShortcutTaken(_taken(fields)) from None
            before, after = audit.changed(_content(current), _content(fields))
            audit.record(uow, at=now, actor=actor, action="update", object_type=AUDIT_TYPE, object_id=str(reply_id),
                         summary=f"/{fields.shortcut} ({fields.language}) edited", before=before, after=after)
            await uow.commit()
        return updated

    async def delete(self, reply_id: int, actor: str) -> None:
        now = self._clock()
        async with self._uow() as uow:
            current = await uow.canned.get(reply_id)
            if current is None:
                raise CannedReplyNotFound(f"no canned reply {reply_id}")
            await uow.canned.remove(reply_id)
            audit.record(uow, at=now, actor=actor, action="delete", object_type=AUDIT_TYPE, object_id=str(reply_id),
                         summary=f"/{current.shortcut} ({current.language}) deleted", before=_content(current))
            await uow.commit()

    async def seed_if_new(self, replies: list[CannedReplyFields], actor: str = "system:demo") -> bool:
        """The demo replies, on a first start only (audited like any other change)."""
        now = self._clock()
        async with self._uow() as uow:
            if await uow.canned.ever_written():
                return False
            try:
                for fields in replies:
                    created = await uow.canned.add(fields, actor, now)
                    audit.record(uow, at=now, actor=actor, action="create", object_type=AUDIT_TYPE,
                                 object_id=str(created.id), summary=f"/{fields.shortcut} ({fields.language}) added",
                                 after=_content(fields))
            except StoreConflict:  # another process starting on the same database seeded them first
                return False
            await uow.commit()
        return True


def _taken(fields: CannedReplyFields) -> str:
    return f"the shortcut /{fields.shortcut} is already used in {fields.language}"
