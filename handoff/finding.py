"""Finding conversations: what a console search asks for, and who may read what it finds.

Agents read the queue, the conversations assigned to them, and the resolved ones they
handled (they answer the customer's follow-up questions about them); supervisors read all.
The storage adapter applies `readable_by` inside the query, so a search never loads what its
reader may not see.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gateway.conversations.model import Status
from handoff.staff import SUPERVISING, StaffMember

MAX_RESULTS = 100


def may_read(conversation, reader: StaffMember, had_it: bool) -> bool:
    """`had_it`: the reader was assigned one of the conversation's hand-offs (asked only when
    it matters: `needs_history`)."""
    if reader.role in SUPERVISING or conversation.status == Status.QUEUED:
        return True
    if conversation.status == Status.ASSIGNED:
        return conversation.assignee_id == reader.user_id
    return conversation.status == Status.RESOLVED and had_it


def needs_history(conversation, reader: StaffMember) -> bool:
    return reader.role not in SUPERVISING and conversation.status == Status.RESOLVED


@dataclass(frozen=True)
class ConversationQuery:
    text: str | None = None  # words of a message, a conversation id (or its start), a complaint ID, a name
    status: str | None = None
    channel: str | None = None
    assignee_id: int | None = None
    has_complaint: bool | None = None
    breached: bool | None = None  # the first-response target of one of its hand-offs
    created_from: date | None = None
    created_to: date | None = None  # inclusive
    limit: int = 50
    # None: a supervisor's search, everything; else the agent whose reading rule applies.
    readable_by: int | None = None


def snippet(text: str, words: str, width: int = 90) -> str:
    """The part of a message around the words found, for a result row."""
    at = text.lower().find(words.lower())
    if at < 0 or len(text) <= width:
        return text[:width]
    start = max(0, min(at - width // 3, len(text) - width))
    return ("…" if start else "") + text[start:start + width] + ("…" if start + width < len(text) else "")
