"""What quality review needs from storage: resolved conversations to draw from, samples,
checklists and the per-agent figures, as records (`gateway/storage/review_repository.py`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from gateway.conversations.ports import Transaction


@dataclass(frozen=True)
class SampleRecord:
    id: int
    drawn_by: int
    drawn_at: datetime
    period_from: datetime
    period_to: datetime
    size: int
    seed: str
    conversation_ids: list[str]


@dataclass(frozen=True)
class ReviewRecord:
    id: int | None  # None until stored
    sample_id: int | None
    conversation_id: str
    agent_id: int | None
    reviewer_id: int
    courtesy: int
    accuracy: int
    resolved: bool
    forbidden_hits: int
    comment: str | None
    created_at: datetime


@dataclass(frozen=True)
class ReviewedConversation:
    channel: str
    status: str
    resolved_at: datetime | None


class ReviewStore(Protocol):
    async def resolved_between(self, start: datetime, end: datetime) -> list[str]:
        """Ids of conversations resolved in [start, end) and still resolved, sorted."""

    async def add_sample(self, drawn_by: int, drawn_at: datetime, period_from: datetime, period_to: datetime,
                         size: int, seed: str, conversation_ids: list[str]) -> SampleRecord: ...

    async def sample(self, sample_id: int) -> SampleRecord | None: ...

    async def samples(self, limit: int = 50) -> list[SampleRecord]:
        """Newest first."""

    async def conversations(self, ids: list[str]) -> dict[str, ReviewedConversation]: ...

    async def handling_agents(self, ids: list[str]) -> dict[str, int | None]:
        """The assignee of each conversation's newest hand-off."""

    async def guard_counts(self, ids: list[str]) -> dict[tuple[str, int], tuple[int, int]]:
        """(conversation, agent) -> (reply-guard hits sent anyway, all warnings shown)."""

    async def add_review(self, review: ReviewRecord) -> ReviewRecord:
        """Stored with its id; reviews are never changed, a re-review is a new one."""

    async def reviews_of(self, ids: list[str]) -> list[ReviewRecord]: ...

    async def usernames(self, user_ids: set[int]) -> dict[int, str]: ...

    async def agent_report(self, start: datetime | None = None, end: datetime | None = None) -> list[tuple]:
        """Per agent over the newest review of each conversation: (agent_id, reviewed, mean
        courtesy, mean accuracy, resolved count, forbidden hits)."""


class QualityUnitOfWork(Transaction, Protocol):
    reviews: ReviewStore
