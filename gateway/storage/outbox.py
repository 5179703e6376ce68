"""The outbox table: work recorded in the same transaction as the change that causes it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from gateway.conversations.commands import Command, payload
from gateway.conversations.ports import QueuedCommand
from gateway.storage.tables import OutboxItem


class OutboxRepository:
    """Items added are written together, by `flush` (the unit of work's commit calls it), in
    one INSERT: a burst's batch adds hundreds, and ORM objects for each cost more than the
    writing."""

    def __init__(self, session: AsyncSession):
        self.session = session
        self.added = 0
        self._pending: list[dict] = []

    async def flush(self) -> None:
        if self._pending:
            rows, self._pending = self._pending, []
            await self.session.execute(insert(OutboxItem), rows)

    def issue(self, command: Command, at: datetime, conversation_id: str | None = None) -> None:
        """Record a command of the pipeline or the desk, to run after the commit."""
        self.add(command.KIND, payload(command), at, conversation_id)

    def add(self, kind: str, payload: dict, at: datetime, conversation_id: str | None = None) -> None:
        self._pending.append(dict(kind=kind, conversation_id=conversation_id, payload=payload, created_at=at,
                                  available_at=at, attempts=0))
        self.added += 1

    async def due(
        self, now: datetime, limit: int, skip_conversations: frozenset[str] = frozenset(),
        only_conversations: frozenset[str] | None = None,
    ) -> list[QueuedCommand]:
        """Undone items that may run now, in commit order.

        A conversation's items run strictly in order, so one waiting for its retry holds
        back those after it; it must not hold back other conversations, which is why the
        filtering happens here and not after a LIMIT. Conversations already being worked
        on are skipped for the same reason.
        """
        await self.flush()
        earlier = aliased(OutboxItem)
        waiting_before = exists().where(
            earlier.conversation_id == OutboxItem.conversation_id,
            earlier.id < OutboxItem.id,
            earlier.done_at.is_(None),
            earlier.available_at > now,
        )
        conditions = [OutboxItem.done_at.is_(None), OutboxItem.available_at <= now, ~waiting_before]
        if skip_conversations:
            conditions.append(
                OutboxItem.conversation_id.is_(None) | OutboxItem.conversation_id.not_in(skip_conversations)
            )
        if only_conversations is not None:
            conditions.append(OutboxItem.conversation_id.in_(only_conversations))
        # Columns, not ORM objects: a poll reads up to `limit` rows, many times a second in a burst.
        stmt = (select(OutboxItem.id, OutboxItem.kind, OutboxItem.payload, OutboxItem.conversation_id)
                .where(and_(*conditions)).order_by(OutboxItem.id).limit(limit))
        return [QueuedCommand(*row) for row in await self.session.execute(stmt)]

    async def waiting(self, item_ids: list[int], now: datetime) -> dict[int, bool]:
        """For each undone item among these: whether it may run now (False = its retry is later)."""
        await self.flush()
        stmt = select(OutboxItem.id, OutboxItem.available_at).where(
            OutboxItem.id.in_(item_ids), OutboxItem.done_at.is_(None))
        return {item_id: available_at <= now for item_id, available_at in await self.session.execute(stmt)}

    async def attempts(self, item_id: int) -> int:
        return (await self.session.get(OutboxItem, item_id)).attempts

    async def mark_done_many(self, item_ids: list[int], at: datetime) -> None:
        await self.session.execute(update(OutboxItem).where(OutboxItem.id.in_(item_ids)).values(done_at=at))

    async def mark_failed(self, item_id: int, error: str, retry_at: datetime) -> None:
        await self.session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == item_id)
            .values(attempts=OutboxItem.attempts + 1, last_error=error[:2000], available_at=retry_at)
        )

    async def mark_abandoned(self, item_id: int, error: str, at: datetime) -> None:
        """Done without success: kept with its error for an operator, never retried."""
        await self.session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == item_id)
            .values(attempts=OutboxItem.attempts + 1, last_error=error[:2000], done_at=at)
        )
