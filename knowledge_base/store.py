"""What the knowledge base needs from storage: entries as stored, and their append-only
versions. Storage implements it (`gateway/storage/entry_store.py`); the service never holds
a row, it replaces a `StoredEntry` and saves it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class StoredEntry:
    id: str
    language: str
    question: str
    alternates: list
    answer: str
    tags: list
    status: str
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None  # kept, so an id stays taken and its history unambiguous


@dataclass(frozen=True)
class EntryVersion:
    version: int
    action: str  # create | update | publish | unpublish | rollback | delete | import
    author: str
    snapshot: dict  # the entry's content as it was at this version
    created_at: datetime


class EntryStore(Protocol):
    async def fingerprint(self) -> tuple:
        """Changes whenever any entry is created, edited, published or deleted."""

    async def get(self, entry_id: str, *, for_update: bool = False) -> StoredEntry | None:
        """Not deleted; `for_update` holds it against other writers until commit."""

    async def get_any(self, entry_id: str) -> StoredEntry | None:
        """Deleted ones too."""

    async def list(self, *, status: str | None = None, language: str | None = None, text: str | None = None,
                   limit: int = 1000) -> list[StoredEntry]:
        """Not deleted, by id; `text` is found in the question, the answer or the id."""

    async def save(self, entry: StoredEntry) -> None:
        """Stores it, over the one with the same id if there is one."""

    def record(self, entry_id: str, version: EntryVersion) -> None: ...

    async def versions(self, entry_id: str) -> list[EntryVersion]:
        """Oldest first."""

    async def has_history(self) -> bool:
        """Whether any entry was ever written (an editor's work, or the demo seeded once)."""


@dataclass(frozen=True)
class ProposalRecord:
    id: int
    entry_id: str
    text: str  # the customer's words, personal data masked
    source: str  # helpful | clarify
    status: str  # pending | approved | rejected
    conversation_id: str | None
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None


class ProposalStore(Protocol):
    async def proposal(self, proposal_id: int, *, for_update: bool = False) -> ProposalRecord | None: ...

    async def proposals(self, status: str | None, limit: int) -> list[tuple[ProposalRecord, str | None]]:
        """Newest first, each with its entry's question while the entry is not deleted."""

    async def decide(self, proposal_id: int, status: str, by: str, at: datetime) -> None: ...


class KbUnitOfWork(Protocol):
    entries: EntryStore
    proposals: ProposalStore

    async def __aenter__(self) -> KbUnitOfWork: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def commit(self) -> None: ...
