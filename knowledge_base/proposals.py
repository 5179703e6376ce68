"""Customers' words proposed as alternates, and an editor's decision on each.

A Helpful click on an answer, or a choice among the options of a clarify, says which entry
answered the customer's own words. Those words make a good alternate for that entry, but a
knowledge base is the shop's text: nothing goes live until an editor approves it, and the
approval is a new version of the entry, with the editor as its author.
"""
from __future__ import annotations

from typing import Callable

from gateway.clock import Clock
from knowledge_base.entry import KbEntryIn
from knowledge_base.service import CONTENT, EntryNotFound, KnowledgeBase
from knowledge_base.store import KbUnitOfWork, ProposalRecord

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
STATUSES = (PENDING, APPROVED, REJECTED)


class ProposalNotFound(LookupError):
    pass


class ProposalDecided(ValueError):
    pass


def proposal_dict(row: ProposalRecord, entry_question: str | None = None) -> dict:
    return {"id": row.id, "entry_id": row.entry_id, "text": row.text, "source": row.source,
            "status": row.status, "conversation_id": row.conversation_id,
            "created_at": row.created_at.isoformat(), "decided_by": row.decided_by,
            "decided_at": row.decided_at.isoformat() if row.decided_at else None,
            "entry_question": entry_question}


class Proposals:
    def __init__(self, uow_factory: Callable[[], KbUnitOfWork], knowledge: KnowledgeBase, clock: Clock):
        self._uow = uow_factory
        self._knowledge = knowledge
        self._clock = clock

    async def list(self, status: str | None = PENDING, limit: int = 200) -> list[dict]:
        async with self._uow() as uow:
            return [proposal_dict(p, question) for p, question in await uow.proposals.proposals(status, limit)]

    async def approve(self, proposal_id: int, author: str) -> dict:
        """The words become an alternate of their entry (a new version), in one transaction
        with the decision; words the entry already has change nothing but the decision."""
        proposal = await self._pending(proposal_id)
        entry = await self._knowledge.get(proposal.entry_id)
        content = {k: entry[k] for k in CONTENT}
        if proposal.text not in (entry["question"], *entry["alternates"]):
            content["alternates"] = [*entry["alternates"], proposal.text]
        decide = self._decider(proposal_id, APPROVED, author)
        updated = await self._knowledge.update(entry["id"], KbEntryIn(**content), author, entry["version"],
                                               within=decide)
        return {"proposal": await self._get(proposal_id), "entry": updated}

    async def reject(self, proposal_id: int, author: str) -> dict:
        async with self._uow() as uow:
            await self._decider(proposal_id, REJECTED, author)(uow, None)
            await uow.commit()
        return {"proposal": await self._get(proposal_id)}

    def _decider(self, proposal_id: int, status: str, author: str):
        async def decide(uow, _entry_row) -> None:
            row = await uow.proposals.proposal(proposal_id, for_update=True)
            if row is None:
                raise ProposalNotFound(proposal_id)
            if row.status != PENDING:  # two editors at once: the second learns the first won
                raise ProposalDecided(f"proposal {proposal_id} was {row.status} by {row.decided_by}")
            await uow.proposals.decide(proposal_id, status, author, self._clock())
        return decide

    async def _pending(self, proposal_id: int):
        async with self._uow() as uow:
            row = await uow.proposals.proposal(proposal_id)
        if row is None:
            raise ProposalNotFound(proposal_id)
        if row.status != PENDING:
            raise ProposalDecided(f"proposal {proposal_id} was {row.status} by {row.decided_by}")
        return row

    async def _get(self, proposal_id: int) -> dict:
        async with self._uow() as uow:
            return proposal_dict(await uow.proposals.proposal(proposal_id))


__all__ = ["Proposals", "ProposalNotFound", "ProposalDecided", "EntryNotFound", "STATUSES"]
