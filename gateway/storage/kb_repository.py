"""Knowledge-base rows: current entries and their append-only version history."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.storage.tables import KbEntry, KbEntryVersion, KbProposal


class KbRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def fingerprint(self) -> tuple:
        """Changes whenever any entry is created, edited, published or deleted: each of
        those bumps `updated_at` (a delete only marks the row)."""
        row = (await self.session.execute(select(func.count(), func.max(KbEntry.updated_at)))).one()
        return tuple(row)

    async def get(self, entry_id: str, *, for_update: bool = False) -> KbEntry | None:
        stmt = select(KbEntry).where(KbEntry.id == entry_id, KbEntry.deleted_at.is_(None))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_any(self, entry_id: str) -> KbEntry | None:
        """Deleted entries too: an id stays taken so its history stays unambiguous."""
        return await self.session.get(KbEntry, entry_id)

    async def list(self, *, status: str | None = None, language: str | None = None,
                   text: str | None = None, limit: int = 1000) -> list[KbEntry]:
        stmt = select(KbEntry).where(KbEntry.deleted_at.is_(None))
        if status:
            stmt = stmt.where(KbEntry.status == status)
        if language:
            stmt = stmt.where(KbEntry.language == language)
        if text:
            like = f"%{text}%"
            stmt = stmt.where(or_(KbEntry.question.ilike(like), KbEntry.answer.ilike(like), KbEntry.id.ilike(like)))
        return list((await self.session.execute(stmt.order_by(KbEntry.id).limit(limit))).scalars().all())

    def record(self, version: KbEntryVersion) -> None:
        self.session.add(version)

    async def versions(self, entry_id: str) -> list[KbEntryVersion]:
        stmt = select(KbEntryVersion).where(KbEntryVersion.entry_id == entry_id).order_by(KbEntryVersion.version)
        return list((await self.session.execute(stmt)).scalars().all())

    async def has_history(self) -> bool:
        return bool((await self.session.execute(select(func.count()).select_from(KbEntryVersion))).scalar_one())

    # -- proposals ------------------------------------------------------------------------
    async def propose(self, proposal: KbProposal) -> bool:
        """Add unless the same words are already proposed for that entry; inside a savepoint,
        so a concurrent twin does not undo the rest of the caller's transaction."""
        exists = select(KbProposal.id).where(KbProposal.entry_id == proposal.entry_id,
                                             KbProposal.text == proposal.text)
        if (await self.session.execute(exists)).first() is not None:
            return False
        try:
            async with self.session.begin_nested():
                self.session.add(proposal)
        except IntegrityError:
            return False
        return True

    async def proposal(self, proposal_id: int, *, for_update: bool = False) -> KbProposal | None:
        stmt = select(KbProposal).where(KbProposal.id == proposal_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def proposals(self, status: str | None, limit: int) -> list[tuple[KbProposal, KbEntry | None]]:
        stmt = (select(KbProposal, KbEntry).outerjoin(KbEntry, KbEntry.id == KbProposal.entry_id)
                .order_by(KbProposal.id.desc()).limit(limit))
        if status:
            stmt = stmt.where(KbProposal.status == status)
        return [tuple(row) for row in (await self.session.execute(stmt)).all()]
