"""What the desk needs from storage, in hand-off's words: the queue, the people on shift,
and the hand-off's own bookkeeping. Storage implements it (`gateway/storage/desk_store.py`);
the unit tests run the desk on a memory one held to the same contract."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from gateway.conversations.ports import ChatStore, CommandOutbox, ConversationRecord


@dataclass(frozen=True)
class StaffAccount:
    user_id: int
    username: str
    role: str
    active: bool


@dataclass(frozen=True)
class AgentOnShift:
    user_id: int
    username: str
    role: str
    capacity: int
    load: int  # conversations assigned now


@dataclass(frozen=True)
class HandoffRecord:
    id: int
    conversation_id: str
    resolved_at: datetime | None


@dataclass(frozen=True)
class Presence:
    status: str
    capacity: int


class DeskStore(Protocol):
    async def queue_head(self) -> ConversationRecord | None:
        """The waiting conversation people should take first."""

    async def agents_online(self) -> list[AgentOnShift]:
        """Least loaded first, then who came online first."""

    async def account(self, user_id: int) -> StaffAccount | None: ...

    async def assign_handoff(self, conversation_id: str, user_id: int, at: datetime) -> None:
        """Records who took the open hand-off, and when (its handle time starts)."""

    async def requeue_first(self, conversation_id: str) -> None:
        """The open hand-off goes back to the queue, ahead of every other."""

    async def close_handoff(self, conversation_id: str, at: datetime) -> None: ...

    async def first_response(self, conversation_id: str, at: datetime) -> None:
        """Stops the open hand-off's first-response clock, if it still runs."""

    async def complaint_ids(self, conversation_id: str) -> list[str]: ...

    async def meet_clock(self, complaint_id: str, kind: str, at: datetime) -> bool:
        """True for the one caller that met it; a clock the complaint lacks is not met."""

    async def latest_handoff(self, conversation_id: str) -> HandoffRecord | None: ...

    async def rated(self, handoff_id: int) -> bool: ...

    async def add_csat(self, conversation_id: str, handoff_id: int, score: int, comment: str | None,
                       at: datetime) -> None:
        """StoreConflict (here or at commit) when that hand-off was rated meanwhile."""

    async def add_note(self, conversation_id: str, author_id: int, text: str, at: datetime) -> int: ...

    async def add_guard_hit(self, conversation_id: str, user_id: int, kind: str, excerpt: str, sent_anyway: bool,
                            at: datetime) -> None: ...

    async def set_presence(self, user_id: int, status: str, capacity: int | None, at: datetime) -> Presence:
        """A first presence takes capacity 5 unless one is given; later ones keep the last."""


class DeskUnitOfWork(Protocol):
    chats: ChatStore
    desk: DeskStore
    outbox: CommandOutbox

    async def __aenter__(self) -> DeskUnitOfWork: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def commit(self) -> None: ...
