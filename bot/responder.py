"""The bot's port: given a customer message and the conversation so far, what to say,
and whether a person must take over."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence


class Said(Protocol):
    """What the bot reads of one earlier message: the conversation's own message type has
    these, and the bot needs to know no more of it."""

    id: int
    sender: str  # customer | bot | agent | system
    text: str
    meta: dict  # the bot's details on its own messages; a button press's pressed_on


@dataclass(frozen=True)
class BotReply:
    text: str
    quick_replies: tuple[str, ...] = ()
    handoff_reason: str | None = None  # set = hand the conversation to a person
    details: dict = field(default_factory=dict)  # what the bot tried and how sure it was
    # The customer's own words an entry answered, proposed as its alternate; kept out of
    # `details`, which is stored with the message and survives the customer's erasure.
    proposal: dict | None = None
    # An order the bot is working on or answered (bot/order_responder.py), stored as the
    # message's `meta.order` for the next turn and the agents' order card; kept out of
    # `details` too, as it is the customer's and goes when they are erased.
    order: dict | None = None


class Responder(Protocol):
    async def respond(self, text: str, history: Sequence[Said]) -> BotReply: ...
