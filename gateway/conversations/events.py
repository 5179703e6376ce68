"""Things that happened, published after commit on the bus."""
from __future__ import annotations

from dataclasses import dataclass

from gateway.conversations.views import MessageView


@dataclass(frozen=True)
class CustomerMessageStored:
    channel: str
    external_chat_id: str
    message: MessageView
    status: str  # the conversation's, after this message
    assignee_id: int | None


@dataclass(frozen=True)
class CustomerTyping:
    conversation_id: str
    channel: str
    external_chat_id: str
