"""The bot's port to the shop's order system: one order by its number, or why there is none.

The shop answers; the bot never keeps what it said beyond the card it shows (no phone digits),
so a lookup is made again for each step of a conversation and reads the order as it is now.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

# How a lookup ended, as stored on the bot's message and shown to agents.
FOUND, NOT_FOUND, FAILED, TIMED_OUT = "found", "not_found", "failed", "timed_out"
# Statuses after which an order is no longer on its way: a past expected date is not late then.
SETTLED = frozenset({"delivered", "cancelled", "canceled", "returned", "refunded", "completed"})


@dataclass(frozen=True)
class Order:
    order_id: str
    status: str
    carrier: str | None
    tracking_number: str | None
    expected_date: date | None
    phone_last4: str

    def late(self, today: date) -> bool:
        return self.expected_date is not None and self.expected_date < today and self.status.lower() not in SETTLED

    def card(self) -> dict:
        """What agents see of it: everything but the phone digits, which only verify."""
        return {"order_id": self.order_id, "status": self.status, "carrier": self.carrier,
                "tracking_number": self.tracking_number,
                "expected_date": self.expected_date.isoformat() if self.expected_date else None}


@dataclass(frozen=True)
class Lookup:
    outcome: str  # FOUND | NOT_FOUND | FAILED | TIMED_OUT
    order: Order | None = None
    error: str | None = None  # why it failed, for agents: "HTTP 502", "not JSON", "took over 3 s"


class OrderLookup(Protocol):
    async def find(self, order_id: str) -> Lookup: ...


class VerificationLog(Protocol):
    """Wrong phone digits sent for an order, across every conversation: a new conversation
    (a new visitor token is free) must not buy a new set of guesses."""

    async def recent_failures(self, order_id: str) -> int:
        """Wrong digits sent for this order within the log's window (a day)."""

    async def failed(self, order_id: str) -> None: ...


def order_key(order_id: str) -> str:
    """The form an order id is compared in: the shop's ids match whatever the case typed."""
    return order_id.strip().casefold()


class MemoryOrders:
    """Orders held in a dict, for the bot's unit tests; `failing` makes every lookup fail. Ids
    match in any case, as the shop's API adapter (bot/shop_api.py) accepts them."""

    def __init__(self, orders: list[Order] = (), failing: str | None = None):
        self.orders = {order_key(o.order_id): o for o in orders}
        self.failing = failing  # None, FAILED or TIMED_OUT
        self.asked: list[str] = []

    async def find(self, order_id: str) -> Lookup:
        self.asked.append(order_id)
        if self.failing:
            return Lookup(self.failing, error="down on purpose")
        order = self.orders.get(order_key(order_id))
        return Lookup(FOUND, order) if order else Lookup(NOT_FOUND)


class MemoryVerificationLog:
    """Wrong tries in a dict, for the bot's unit tests (no window: a test is shorter than a day)."""

    def __init__(self):
        self.failures: dict[str, int] = {}

    async def recent_failures(self, order_id: str) -> int:
        return self.failures.get(order_key(order_id), 0)

    async def failed(self, order_id: str) -> None:
        key = order_key(order_id)
        self.failures[key] = self.failures.get(key, 0) + 1
