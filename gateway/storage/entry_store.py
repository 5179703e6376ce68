"""The knowledge base's entry store (`knowledge_base.store.EntryStore`) on SQLAlchemy."""
from __future__ import annotations

from dataclasses import fields

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.storage.kb_repository import KbRepository
from gateway.storage.tables import KbEntry, KbEntryVersion
from knowledge_base.store import EntryVersion, StoredEntry

FIELDS = [f.name for f in fields(StoredEntry)]


def _stored(row: KbEntry) -> StoredEntry:
    return StoredEntry(**{name: getattr(row, name) for name in FIELDS})


def _copy(value):
    return list(value) if isinstance(value, list) else value


class SqlEntryStore:
    def __init__(self, session: AsyncSession):
        self.session = session
        self._rows = KbRepository(session)

    async def fingerprint(self) -> tuple:
        return await self._rows.fingerprint()

    async def get(self, entry_id: str, *, for_update: bool = False) -> StoredEntry | None:
        row = await self._rows.get(entry_id, for_update=for_update)
        return _stored(row) if row is not None else None

    async def get_any(self, entry_id: str) -> StoredEntry | None:
        row = await self._rows.get_any(entry_id)
        return _stored(row) if row is not None else None

    async def list(self, *, status: str | None = None, language: str | None = None, text: str | None = None,
                   limit: int = 1000) -> list[StoredEntry]:
        return [_stored(row) for row in await self._rows.list(status=status, language=language, text=text,
                                                              limit=limit)]

    async def save(self, entry: StoredEntry) -> None:
        row = await self.session.get(KbEntry, entry.id)
        if row is None:
            self.session.add(KbEntry(**{name: _copy(getattr(entry, name)) for name in FIELDS}))
            return
        for name in FIELDS:
            setattr(row, name, _copy(getattr(entry, name)))

    def record(self, entry_id: str, version: EntryVersion) -> None:
        self._rows.record(KbEntryVersion(entry_id=entry_id, version=version.version, action=version.action,
                                         author=version.author, snapshot=version.snapshot,
                                         created_at=version.created_at))

    async def versions(self, entry_id: str) -> list[EntryVersion]:
        return [EntryVersion(v.version, v.action, v.author, v.snapshot, v.created_at)
                for v in await self._rows.versions(entry_id)]

    async def has_history(self) -> bool:
        return await self._rows.has_history()
