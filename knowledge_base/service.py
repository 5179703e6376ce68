"""Editing the knowledge base: every change is a new version with its author, an edit
must name the version it started from, and the live index follows each commit."""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from gateway.clock import Clock
from knowledge_base.diff import entry_diff
from knowledge_base.documents import KbDoc
from knowledge_base.entry import EntryStatus, KbEntryIn
from knowledge_base.search import HybridSearch
from knowledge_base.store import EntryVersion, KbUnitOfWork, StoredEntry

log = logging.getLogger(__name__)
CONTENT = ("language", "question", "alternates", "answer", "tags", "status")


class EntryNotFound(LookupError):
    pass


class EntryExists(ValueError):
    pass


class VersionNotFound(LookupError):
    pass


class VersionConflict(ValueError):
    def __init__(self, entry_id: str, expected: int, current: int):
        super().__init__(f"entry {entry_id!r} is at version {current}, not {expected}: reload it and edit again")
        self.current = current


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int


def entry_dict(row: StoredEntry) -> dict:
    return {"id": row.id, "language": row.language, "question": row.question, "alternates": list(row.alternates),
            "answer": row.answer, "tags": list(row.tags), "status": row.status, "version": row.version,
            "updated_at": row.updated_at.isoformat()}


def _content(row: StoredEntry) -> dict:
    return {k: getattr(row, k) for k in CONTENT}


class KnowledgeBase:
    def __init__(self, uow_factory: Callable[[], KbUnitOfWork], search: HybridSearch, clock: Clock,
                 snapshot_path: Path | None = None):
        self._uow = uow_factory
        self.search = search
        self._clock = clock
        self._snapshot_path = snapshot_path
        self._fingerprint: tuple | None = None  # of the entries the index was built from
        # One reading of entries into the index at a time: a start-up load finishing after an
        # editor's rebuild would otherwise put the older index back.
        self._indexing = asyncio.Lock()
        self._ready = asyncio.Event()
        self.state = "warming"  # then "ok", or "failed: <error>"

    # -- starting -------------------------------------------------------------------------
    async def start(self, seed: list[KbEntryIn]) -> None:
        """What the bot needs before it answers: `seed` on the very first start, the index,
        the models in memory. Chat is served meanwhile; bot turns wait on `ready()`."""
        try:
            await self.seed_if_new(seed)
            await self.load_index()
            for encoder in self.search.encoders.values():
                await asyncio.to_thread(encoder.warm)
        except Exception as exc:
            self.state = f"failed: {type(exc).__name__}: {exc}"[:200]
            log.exception("the knowledge base could not start; bot turns wait while it tries again")
            raise
        self.state = "ok"
        self._ready.set()

    async def ready(self) -> None:
        await self._ready.wait()

    @property
    def is_ready(self) -> bool:
        return self._ready.is_set()

    # -- reading --------------------------------------------------------------------------
    async def list(self, **filters) -> list[dict]:
        async with self._uow() as uow:
            return [entry_dict(r) for r in await uow.entries.list(**filters)]

    async def get(self, entry_id: str) -> dict:
        async with self._uow() as uow:
            row = await uow.entries.get(entry_id)
            if row is None:
                raise EntryNotFound(entry_id)
            return entry_dict(row)

    async def history(self, entry_id: str) -> list[dict]:
        async with self._uow() as uow:
            versions = await uow.entries.versions(entry_id)
        if not versions:
            raise EntryNotFound(entry_id)
        return [{"version": v.version, "action": v.action, "author": v.author,
                 "created_at": v.created_at.isoformat(), "entry": v.snapshot} for v in versions]

    async def diff(self, entry_id: str, from_version: int, to_version: int) -> dict:
        """What changed from one recorded version to another (either order)."""
        snapshots = {v["version"]: v["entry"] for v in await self.history(entry_id)}
        for version in (from_version, to_version):
            if version not in snapshots:
                raise VersionNotFound(f"entry {entry_id!r} has no version {version}")
        return {"entry_id": entry_id, "from": from_version, "to": to_version,
                "changes": entry_diff(snapshots[from_version], snapshots[to_version])}

    async def published_docs(self) -> list[KbDoc]:
        return [KbDoc.from_dict(e) for e in await self.list(status=EntryStatus.PUBLISHED, limit=10**7)]

    # -- writing --------------------------------------------------------------------------
    async def create(self, entry: KbEntryIn, author: str, within=None) -> dict:
        """`within(uow, row)`, when given, runs in the same transaction: what else must be
        true for this entry to exist (an unanswered question marked as handled by it)."""
        entry = entry.resolved()
        async with self._uow() as uow:
            if await uow.entries.get_any(entry.id) is not None:
                raise EntryExists(f"an entry with id {entry.id!r} exists already")
            row = self._new_entry(entry)
            await uow.entries.save(row)
            self._record(uow, row, "create", author)
            if within is not None:
                await within(uow, row)
            await uow.commit()
            result = entry_dict(row)
        await self._after_change(row.status == EntryStatus.PUBLISHED)
        return result

    async def update(self, entry_id: str, entry: KbEntryIn, author: str, expected_version: int,
                     within=None) -> dict:
        """`within(uow, row)`, when given, runs in the same transaction (see create)."""
        entry = entry.model_copy(update={"id": entry_id}).resolved()
        async with self._uow() as uow:
            row = await uow.entries.get(entry_id, for_update=True)
            if row is None:
                raise EntryNotFound(entry_id)
            if row.version != expected_version:
                raise VersionConflict(entry_id, expected_version, row.version)
            was_live = row.status == EntryStatus.PUBLISHED
            row, action = self._apply(row, entry)
            if action:
                await uow.entries.save(row)
                self._record(uow, row, action, author)
            if within is not None:
                await within(uow, row)
            await uow.commit()
            result = entry_dict(row)
        if action:
            await self._after_change(was_live or row.status == EntryStatus.PUBLISHED)
        return result

    async def set_status(self, entry_id: str, status: EntryStatus, author: str, expected_version: int) -> dict:
        """Publish or unpublish as it stands; no new version when it is already so."""
        current = await self.get(entry_id)
        if current["version"] != expected_version:
            raise VersionConflict(entry_id, expected_version, current["version"])
        content = {k: current[k] for k in CONTENT if k != "status"}
        return await self.update(entry_id, KbEntryIn(**content, status=status), author, expected_version)

    async def rollback(self, entry_id: str, to_version: int, author: str, expected_version: int) -> dict:
        """A new version whose text is that of `to_version`; history is never rewritten.
        The status stays as it is now: rolling back a live answer's wording must not take
        it off the bot, and publishing stays a decision of its own."""
        async with self._uow() as uow:
            row = await uow.entries.get(entry_id, for_update=True)
            if row is None:
                raise EntryNotFound(entry_id)
            if row.version != expected_version:
                raise VersionConflict(entry_id, expected_version, row.version)
            old = next((v for v in await uow.entries.versions(entry_id) if v.version == to_version), None)
            if old is None:
                raise VersionNotFound(f"entry {entry_id!r} has no version {to_version}")
            restored = {k: old.snapshot.get(k) for k in CONTENT if k != "status"}
            entry = KbEntryIn(id=entry_id, **restored, status=row.status)
            row, action = self._apply(row, entry)
            changed = action is not None
            if changed:
                await uow.entries.save(row)
                self._record(uow, row, "rollback", author)
            await uow.commit()
            result = entry_dict(row)
        if changed:
            await self._after_change(row.status == EntryStatus.PUBLISHED)
        return result

    async def delete(self, entry_id: str, author: str, expected_version: int | None = None) -> None:
        async with self._uow() as uow:
            row = await uow.entries.get(entry_id, for_update=True)
            if row is None:
                raise EntryNotFound(entry_id)
            if expected_version is not None and row.version != expected_version:
                raise VersionConflict(entry_id, expected_version, row.version)
            was_live = row.status == EntryStatus.PUBLISHED
            now = self._clock()
            row = dataclasses.replace(row, deleted_at=now, version=row.version + 1, updated_at=now)
            await uow.entries.save(row)
            self._record(uow, row, "delete", author)
            await uow.commit()
        await self._after_change(was_live)

    async def import_entries(self, entries: list[KbEntryIn], author: str, publish: bool = False,
                             progress=None) -> ImportReport:
        """All or nothing: one transaction for the whole file."""
        counts = dict.fromkeys(("created", "updated", "unchanged"), 0)
        async with self._uow() as uow:
            for entry in entries:
                entry = entry.resolved()
                if publish:
                    entry = entry.model_copy(update={"status": EntryStatus.PUBLISHED})
                row = await uow.entries.get_any(entry.id)
                if row is None:
                    row, outcome = self._new_entry(entry), "created"
                elif row.deleted_at is not None:  # a deleted id comes back: a new life, its history kept
                    row, _ = self._apply(dataclasses.replace(row, deleted_at=None), entry, force=True)
                    outcome = "created"
                else:
                    row, action = self._apply(row, entry)
                    outcome = "updated" if action else "unchanged"
                counts[outcome] += 1
                if outcome != "unchanged":
                    await uow.entries.save(row)
                    self._record(uow, row, "import", author)
                if progress:
                    progress(1)
            await uow.commit()
        created, updated, unchanged = counts.values()
        if created or updated:
            await self._after_change(True)
        return ImportReport(created, updated, unchanged)

    async def seed_if_new(self, entries: list[KbEntryIn]) -> bool:
        """Load the demo entries on the very first start only: never over an editor's work."""
        async with self._uow() as uow:
            if await uow.entries.has_history():
                return False
        await self.import_entries(entries, author="system:demo", publish=True)
        return True

    # -- index ----------------------------------------------------------------------------
    async def refresh_if_changed(self) -> bool:
        """Rebuild when another process changed the knowledge base since this one built."""
        async with self._indexing:
            fingerprint = await self._current_fingerprint()
            if fingerprint == self._fingerprint:
                return False
            log.info("knowledge base changed elsewhere; rebuilding")
            await self._rebuild(await self.published_docs(), fingerprint)
            return True

    async def _current_fingerprint(self) -> tuple:
        async with self._uow() as uow:
            return await uow.entries.fingerprint()

    async def load_index(self) -> None:
        async with self._indexing:
            # Read before the entries: a change landing in between makes the next check rebuild.
            self._fingerprint = await self._current_fingerprint()
            docs = await self.published_docs()
            path = self._snapshot_path
            if path is not None and await asyncio.to_thread(self.search.load, path, docs):
                log.info("knowledge-base index loaded from disk", extra={"entries": len(docs)})
                return
            await self._rebuild(docs, self._fingerprint)

    async def _after_change(self, touches_live: bool) -> None:
        async with self._indexing:
            fingerprint = await self._current_fingerprint()
            if touches_live:
                await self._rebuild(await self.published_docs(), fingerprint)
            else:
                self._fingerprint = fingerprint  # a draft changes nothing the bot uses

    async def _rebuild(self, docs: list[KbDoc], fingerprint: tuple | None = None) -> None:
        self._fingerprint = fingerprint
        await self.search.rebuild(docs)
        if self._snapshot_path is not None:
            await asyncio.to_thread(self.search.save, self._snapshot_path)
        log.info("knowledge-base index rebuilt", extra={"entries": len(docs)})

    # -- helpers --------------------------------------------------------------------------
    def _new_entry(self, entry: KbEntryIn) -> StoredEntry:
        now = self._clock()
        return StoredEntry(id=entry.id, version=1, created_at=now, updated_at=now,
                           **{k: _value(getattr(entry, k)) for k in CONTENT})

    def _apply(self, row: StoredEntry, entry: KbEntryIn, force: bool = False) -> tuple[StoredEntry, str | None]:
        """The entry with the new content, a version on, and the history action; the entry as
        it was and None when nothing changed."""
        new = {k: _value(getattr(entry, k)) for k in CONTENT}
        old = _content(row)
        if new == old and not force:
            return row, None
        row = dataclasses.replace(row, **new, version=row.version + 1, updated_at=self._clock())
        if new["status"] != old["status"]:
            return row, "publish" if new["status"] == EntryStatus.PUBLISHED else "unpublish"
        return row, "update"

    def _record(self, uow, row: StoredEntry, action: str, author: str) -> None:
        uow.entries.record(row.id, EntryVersion(row.version, action, author, {"id": row.id, **_content(row)},
                                                row.updated_at))


def _value(value):
    return str(value) if isinstance(value, EntryStatus) else (list(value) if isinstance(value, list) else value)
