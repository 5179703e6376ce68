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
class BotMessageStored:
    """The bot answered, asked back or handed off: a console that has the conversation open shows it."""
    message: MessageView


@dataclass(frozen=True)
class CustomerTyping:
    conversation_id: str
    channel: str
    external_chat_id: str


@dataclass(frozen=True)
class BotTyping:
    """The bot is composing a reply in this chat: the customer's channel shows it if it can."""
    channel: str
    external_chat_id: str


@dataclass(frozen=True)
class DeliveryChanged:
    """A message to a customer failed to go out, or went out after failing: agents see both."""
    conversation_id: str
    message_id: int
    status: str  # retrying | failed | sent
    attempts: int
    error: str | None
