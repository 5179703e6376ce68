"""What hand-off needs from storage, in its own words: the queue, the people on shift, the
hand-off's own bookkeeping and the complaint register. Storage implements it
(`gateway/storage/desk_store.py`); the unit tests run the desk and the opening of hand-offs
on a memory one held to the same contract."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from gateway.audit import AuditEntry
from gateway.conversations.ports import (AlternateProposals, ChatStore, CommandOutbox, ConversationRecord, Transaction,
                                         WebhookEvents)
from handoff.finding import ConversationQuery


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
class QueuedHandoff:
    id: int
    conversation_id: str
    kind: str
    priority: int  # lower goes first
    queued_at: datetime
    first_response_due_at: datetime


@dataclass(frozen=True)
class AwaitedHandoff:
    """An open hand-off whose first response has not come, with its stored clock marks."""
    id: int
    conversation_id: str
    queued_at: datetime
    first_response_due_at: datetime
    warned_50_at: datetime | None
    warned_80_at: datetime | None


@dataclass(frozen=True)
class DueComplaintClock:
    id: int
    complaint_id: str
    conversation_id: str
    kind: str
    due_at: datetime


@dataclass(frozen=True)
class ComplaintRecord:
    id: str  # 20261201-WEB-0001: the ID the customer is told
    conversation_id: str
    category: str
    severity: str
    severity_reasons: list
    demand: str
    status: str
    owner_id: int | None
    evidence_message_ids: list
    root_cause: str | None
    created_by: str
    created_at: datetime
    closed_at: datetime | None = None


@dataclass(frozen=True)
class ComplaintClockRecord:
    kind: str  # contact | plan | supervisor | process | update
    due_at: datetime
    met_at: datetime | None
    breached_at: datetime | None


@dataclass(frozen=True)
class Presence:
    status: str
    capacity: int


class DeskStore(Protocol):
    async def open_handoff(self, conversation_id: str, kind: str, reason: str, priority: int, category: str | None,
                           severity: str | None, queued_at: datetime,
                           first_response_due_at: datetime) -> QueuedHandoff: ...

    async def open_handoff_of(self, conversation_id: str) -> QueuedHandoff | None:
        """The conversation's hand-off that is not resolved yet."""

    async def position(self, handoff: QueuedHandoff) -> int:
        """1 for the first in the queue: by priority, then time queued, then id."""

    async def typical_handle_seconds(self, default: float = 300.0) -> float:
        """The median time from assignment to resolution of the latest hand-offs."""

    async def waiting(self) -> list[ConversationRecord]:
        """Every waiting conversation, in the order people should take them."""

    async def next_complaint_serial(self, day: str, channel_code: str) -> int:
        """1, 2, 3… per day and channel; two registrations never get the same."""

    async def add_complaint(self, complaint: ComplaintRecord) -> None: ...

    async def add_complaint_clock(self, complaint_id: str, kind: str, due_at: datetime) -> None: ...

    async def complaint(self, complaint_id: str) -> ComplaintRecord | None: ...

    async def update_complaint(self, complaint: ComplaintRecord) -> None:
        """Writes what a person may change: status, owner, root cause, when it closed."""

    async def complaint_clocks(self, complaint_id: str) -> list[ComplaintClockRecord]:
        """In the order they were set."""

    async def awaiting_first_response(self) -> list[AwaitedHandoff]:
        """Open hand-offs whose first-response clock runs and has not been breached."""

    async def stamp_handoff(self, handoff_id: int, mark: str, at: datetime) -> bool:
        """Sets `warned_50`, `warned_80` or `breached` if still unset: True for exactly one caller."""

    async def overdue_complaint_clocks(self, now: datetime) -> list[DueComplaintClock]:
        """Clocks past due, neither met nor already breached."""

    async def breach_complaint_clock(self, clock_id: int, at: datetime) -> bool:
        """True for exactly one caller, and never for a clock met meanwhile."""

    async def presence_of(self, user_id: int) -> Presence | None: ...

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
        """True for the one caller that met it (late or not); a clock the complaint lacks is not met."""

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


@dataclass(frozen=True)
class SavedCalendar:
    calendar: dict  # the document an admin saved (handoff/calendar_document.py)
    version: int
    updated_by: str | None
    updated_at: datetime | None


class CalendarRow(Protocol):
    """The one saved service calendar, replaced only by a writer who read its version."""

    async def version(self) -> int:
        """0 while nothing is saved."""

    async def get(self) -> SavedCalendar | None: ...

    async def replace(self, version: int, calendar: dict, by: str, at: datetime) -> bool:
        """Writes version + 1 over `version` (0: the first save); False, changing nothing,
        when someone else wrote first."""


class ConsoleReadModel(Protocol):
    """What the console lists and shows, shaped by `handoff.context`."""

    async def queue_rows(self, now: datetime) -> list[dict]:
        """The whole queue, in the order people should take it, each row with its place."""

    async def listing(self, statuses: list[str], assignee_id: int | None, now: datetime) -> list[dict]: ...

    async def complaints(self, status: str | None) -> list[dict]: ...

    async def context_package(self, conversation_id: str, now: datetime, language: str) -> dict: ...

    async def search(self, query: ConversationQuery, now: datetime) -> list[dict]:
        """List rows, latest first, each with `match`: the text of the first message that matched."""

    async def had_handoff(self, conversation_id: str, user_id: int) -> bool: ...

    async def staff(self) -> list[dict]:
        """Active agents and supervisors: id, username, role, presence, capacity, load."""


class AuditLog(Protocol):
    def add(self, entry: AuditEntry) -> None: ...


class DeskUnitOfWork(Transaction, Protocol):
    chats: ChatStore
    desk: DeskStore
    outbox: CommandOutbox
    audit: AuditLog
    proposals: AlternateProposals
    webhook_events: WebhookEvents


class CalendarUnitOfWork(Transaction, Protocol):
    calendar: CalendarRow
    audit: AuditLog
