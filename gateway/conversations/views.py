"""Read models handed to channels and clients; plain data, no ORM."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class MessageView:
    id: int
    conversation_id: str
    sender: str
    text: str
    created_at: datetime
    client_msg_id: str | None = None
    quick_replies: tuple[str, ...] = ()
    meta: dict = field(default_factory=dict, compare=False, repr=False)  # not sent to clients

    def to_event(self) -> dict:
        event = {
            "id": self.id,
            "conversation_id": self.conversation_id,
            "sender": self.sender,
            "text": self.text,
            "created_at": self.created_at.isoformat(),
        }
        if self.client_msg_id:
            event["client_msg_id"] = self.client_msg_id
        if self.quick_replies:
            event["quick_replies"] = list(self.quick_replies)
        return event

    def to_staff_event(self, delivery: dict | None = None) -> dict:
        """What agents see besides the text: files the customer sent, which message an edit
        corrects, and whether a message to the customer has gone out."""
        event = self.to_event()
        for key in ("attachments", "edit_of"):
            if key in self.meta:
                event[key] = self.meta[key]
        if "kb_entry_id" in self.meta:  # an agent's reply started from this knowledge-base entry
            event["entry_id"] = self.meta["kb_entry_id"]
        if delivery is not None:
            event["delivery"] = delivery
        return event


@dataclass(frozen=True)
class HandoffStatus:
    state: str  # queued | assigned | resolved
    position: int | None = None
    estimated_wait_seconds: int | None = None  # none when nobody can make it true
    agent_name: str | None = None
    agents_online: int | None = None
    notice: str | None = None  # out_of_hours | nobody_online
    opens_at: str | None = None  # ISO time people are back, outside service hours

    def to_event(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class ConversationRef:
    id: str
    status: str
    channel: str
    external_chat_id: str
