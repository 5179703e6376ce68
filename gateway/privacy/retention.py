"""The retention setting: customers quiet for longer than GATEWAY_RETENTION_DAYS are erased.

Quiet means no conversation of theirs was written to or changed since the cutoff, and
nothing is still open for them (a conversation with people, a hand-off, a complaint).
Each customer is erased in its own transaction by `CustomerErasure`, which is idempotent,
so every process may run the sweep, at once or one after another, to the same end.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import exists, or_, select

from gateway.clock import Clock
from gateway.privacy.erasure import OPEN_CONVERSATION, CustomerErasure, ErasureRefused
from gateway.storage.tables import Complaint, Conversation, Customer, Handoff
from gateway.storage.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

ACTOR = "retention"
# Often enough that nobody is kept much past the limit; the work is a few queries when idle.
INTERVAL_SECONDS = 6 * 3600
BATCH = 200


class RetentionSweeper:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, days: int, interval: float = INTERVAL_SECONDS,
                 actor: str = ACTOR):
        self._uow = uow
        self._actor = actor
        self._clock = clock
        self._days = days
        self.interval = interval  # how often bootstrap runs `sweep`
        self._erasure = CustomerErasure(uow, clock)

    async def due(self, limit: int = BATCH) -> list[str]:
        """Customers past the retention, oldest first."""
        cutoff = self._clock() - timedelta(days=self._days)
        own = Conversation.customer_id == Customer.id
        recent_or_open = exists().where(own, or_(Conversation.updated_at >= cutoff,
                                                 Conversation.last_message_at >= cutoff,
                                                 Conversation.status.in_(OPEN_CONVERSATION)))
        open_handoff = exists().where(own, Handoff.conversation_id == Conversation.id, Handoff.resolved_at.is_(None))
        open_complaint = exists().where(own, Complaint.conversation_id == Conversation.id,
                                        Complaint.status != "closed")
        stmt = (select(Customer.id)
                .where(Customer.erased_at.is_(None), Customer.created_at < cutoff,
                       ~recent_or_open, ~open_handoff, ~open_complaint)
                .order_by(Customer.created_at, Customer.id).limit(limit))
        async with self._uow() as uow:
            return list((await uow.session.execute(stmt)).scalars())

    async def sweep(self) -> list[str]:
        """Erases every customer past the retention; returns the ids this run erased."""
        erased: list[str] = []
        skipped: set[str] = set()
        while True:
            batch = [c for c in await self.due(BATCH + len(skipped)) if c not in skipped]
            if not batch:
                break
            for customer_id in batch:
                try:
                    result = await self._erasure.erase(customer_id, actor=self._actor)
                except ErasureRefused as exc:
                    # Came back since the query: kept, and looked at again next time.
                    log.info("retention skipped a customer", extra={"customer_id": customer_id,
                                                                      "reason": exc.message})
                    skipped.add(customer_id)
                    continue
                if result.already_erased:
                    skipped.add(customer_id)  # another process did it: not ours to report
                else:
                    erased.append(customer_id)
        if erased:
            log.info("retention erased customers", extra={"count": len(erased), "days": self._days})
        return erased
