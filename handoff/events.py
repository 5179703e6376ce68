"""What the hand-off side announces after commit, for the console and the customer's widget."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.conversations.views import MessageView


@dataclass(frozen=True)
class QueueChanged:
    why: str


# What listens to QueueChanged redraws the whole queue (the consoles' list, each waiting
# customer's place): it takes at most this share of the time, resting four times as long as a
# redraw took, so a short queue's change shows at once and a burst of N hand-offs costs a few
# redraws a second rather than N of them, each of N rows.
QUEUE_REDRAW_SHARE = 0.2


@dataclass(frozen=True)
class ConversationAssigned:
    conversation_id: str
    agent_id: int
    agent_name: str
    by: str


@dataclass(frozen=True)
class StaffMessage:
    """A message in a conversation people are handling (customer, bot or agent)."""
    conversation_id: str
    assignee_id: int | None
    message: MessageView


@dataclass(frozen=True)
class SlaWarning:
    conversation_id: str
    handoff_id: int
    percent: int
    due_at: datetime
    assignee_id: int | None


@dataclass(frozen=True)
class SlaBreach:
    conversation_id: str
    handoff_id: int
    due_at: datetime
    assignee_id: int | None
    reassigned: bool


@dataclass(frozen=True)
class NobodyOnline:
    """A customer was queued inside service hours with no agent online: supervisors hear it
    at once rather than at the breach."""
    conversation_id: str
    handoff_id: int
    kind: str
    queued_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class ComplaintClockBreached:
    complaint_id: str
    conversation_id: str
    kind: str
    due_at: datetime


@dataclass(frozen=True)
class StaffTyping:
    conversation_id: str
    assignee_id: int | None
    sender: str
