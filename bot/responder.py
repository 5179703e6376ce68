"""The bot's port: given a customer message and the conversation so far, what to say,
and whether a person must take over."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence

from gateway.conversations.views import MessageView


@dataclass(frozen=True)
class BotReply:
    text: str
    quick_replies: tuple[str, ...] = ()
    handoff_reason: str | None = None  # set = hand the conversation to a person
    details: dict = field(default_factory=dict)  # what the bot tried and how sure it was
    # The customer's own words an entry answered, proposed as its alternate; kept out of
    # `details`, which is stored with the message and survives the customer's erasure.
    proposal: dict | None = None


class Responder(Protocol):
    async def respond(self, text: str, history: Sequence[MessageView]) -> BotReply: ...
