"""Order-status answers from the shop's own system, in front of the retrieval bot.

"Where is my order 2023110288?" is the question a shop hears most, and no FAQ answers it. The
steps, each one bot turn, carried from turn to turn on the bot's own message (`meta.order`):

1. an order-status question: its number, or the bot asks for it;
2. the number looked up: unknown, or the shop's system failing or slow, hands off with what
   the lookup said; found, the bot asks for the last four digits of the order's phone number;
3. the digits: matching, the bot answers from a template in the customer's language (a late
   order is answered and handed off); not matching, it asks again, and the third wrong try
   hands off. A guessed order number reveals nothing but whether it exists.

Asking for a person and complaining come first, as everywhere in the bot; anything else the
customer writes meanwhile is the retrieval bot's, which is also all there is when no shop
system is configured.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Callable, Sequence

from bot.order_status import FAILED, FOUND, NOT_FOUND, Lookup, Order, OrderLookup, VerificationLog, order_key
from bot.order_words import asks_order_status, last_four, order_number
from bot.responder import BotReply, Said
from bot.retrieval_responder import RetrievalResponder
from gateway import texts

# The bot's hand-off codes for orders (the queue's priority: handoff/policy.py).
ORDER_UNKNOWN, ORDER_LATE, ORDER_LOOKUP_FAILED, ORDER_UNVERIFIED = (
    "order_unknown", "order_late", "order_lookup_failed", "order_unverified")
# The bot's decisions while it works on an order (stored as `meta.bot.decision`).
ASK_NUMBER, ASK_PHONE, ORDER_ANSWER = "order_ask_number", "order_ask_phone", "order_status"
TRIES = 3
# Wrong digits for one order, from all conversations in a day, after which it is no longer
# verified by the bot at all: only a person can, whoever asks.
LOCKED_AFTER = 5
# Statuses the catalogues put in words; any other is quoted as the shop wrote it.
NAMED_STATUSES = ("pending", "paid", "processing", "shipped", "in_transit", "out_for_delivery", "delivered",
                  "cancelled", "returned", "refunded")


@dataclass(frozen=True)
class _Step:
    """Where the previous bot message left an order: asked for its number, or for the digits."""
    decision: str
    order_id: str | None = None
    tries: int = 0


class OrderStatusResponder:
    def __init__(self, inner: RetrievalResponder, orders: OrderLookup, attempts: VerificationLog,
                 today: Callable[[], date]):
        """`today`: the shop's date now, against which an expected delivery date is late."""
        self._inner = inner
        self._orders = orders
        self._attempts = attempts
        self._today = today

    async def respond(self, text: str, history: Sequence[Said]) -> BotReply:
        text = unicodedata.normalize("NFKC", text)  # full-width digits, as Chinese keyboards type them
        step = _last_step(history)
        # Digits and order numbers say nothing of a language: the conversation's decides then.
        if step is not None and step.decision == ASK_PHONE and (digits := last_four(text, not_of=step.order_id)):
            return await self._verify(step, digits, texts.customer_language(history))
        asked = step is not None and step.decision == ASK_NUMBER
        question = asks_order_status(text)
        number = order_number(text, bare=asked or question, asked=asked)
        if not (question or (asked and number)) or await self._inner.wants_person(text):
            return await self._inner.respond(text, history)
        language = texts.customer_language(history, text if question else None)
        if number is None:
            return _reply(language, "order_ask_number", ASK_NUMBER, "asked for the order number",
                          order={"step": ASK_NUMBER})
        tries = _wrong_tries(history, number)
        if tries >= TRIES or await self._attempts.recent_failures(number) >= LOCKED_AFTER:
            # Asking again, here or in a new conversation, does not buy more guesses.
            return _handoff(language, ORDER_UNVERIFIED, "phone digits did not match the order too often",
                            {"order_id": number, "lookup": FOUND, "verified": False, "tries": tries})
        return await self._look_up(number, tries, language)

    async def _look_up(self, number: str, tries: int, language: str) -> BotReply:
        lookup = await self._orders.find(number)
        if lookup.outcome != FOUND:
            return _failed(language, number, lookup)
        return _reply(language, "order_ask_phone", ASK_PHONE, "asked for the phone number's last four digits",
                      order={"step": ASK_PHONE, "order_id": number, "lookup": FOUND, "tries": tries})

    async def _verify(self, step: _Step, digits: str, language: str) -> BotReply:
        lookup = await self._orders.find(step.order_id)
        if lookup.outcome != FOUND:
            return _failed(language, step.order_id, lookup)
        order = lookup.order
        if digits != order.phone_last4:
            await self._attempts.failed(order.order_id)
            tries = step.tries + 1
            if tries >= TRIES or await self._attempts.recent_failures(order.order_id) >= LOCKED_AFTER:
                # Nothing of the order for agents either: whoever this is has not shown it is theirs.
                return _handoff(language, ORDER_UNVERIFIED, "phone digits did not match the order too often",
                                {"order_id": order.order_id, "lookup": FOUND, "verified": False, "tries": tries})
            return _reply(language, "order_wrong_phone", ASK_PHONE, "phone digits did not match the order",
                          order={"step": ASK_PHONE, "order_id": order.order_id, "lookup": FOUND, "tries": tries},
                          left=TRIES - tries)
        card = {**order.card(), "lookup": FOUND, "verified": True}
        said = status_text(language, order)
        if order.late(self._today()):
            return _handoff(language, ORDER_LATE, f"order is late (expected {order.expected_date.isoformat()})",
                            {**card, "late": True}, text=texts.text(language, "order_late", status=said))
        return _reply(language, "order_answer", ORDER_ANSWER, "answered from the shop's order system",
                      order=card, status=said)


def status_text(language: str, order: Order) -> str:
    """The order's state in the customer's language: status, carrier and tracking number, and
    the expected date, each where the shop gave it."""
    code = order.status.strip().lower().replace(" ", "_").replace("-", "_")
    status = texts.text(language, f"order_is_{code}") if code in NAMED_STATUSES else order.status
    parts = [texts.text(language, "order_line_status", order_id=order.order_id, status=status)]
    if order.carrier or order.tracking_number:
        parts.append(texts.text(language, "order_line_tracking", carrier=order.carrier or "—",
                                tracking_number=order.tracking_number or "—"))
    if order.expected_date:
        when = order.expected_date
        months = texts.text(language, "months").split()
        parts.append(texts.text(language, "order_line_expected", year=when.year, month=months[when.month - 1],
                                day=when.day))
    return "".join(parts).strip()  # each line carries its language's spacing after it


def _reply(language: str, key: str, decision: str, reason: str, order: dict, **fields) -> BotReply:
    return BotReply(texts.text(language, key, **fields), quick_replies=(texts.text(language, "talk_to_person"),),
                    details={"decision": decision, "reason": reason, "language": language}, order=order)


def _handoff(language: str, code: str, reason: str, order: dict, text: str | None = None) -> BotReply:
    return BotReply(text or texts.text(language, f"handoff_{code}"), handoff_reason=reason,
                    details={"decision": "handoff", "reason": reason, "code": code, "language": language},
                    order=order)


def _failed(language: str, number: str, lookup: Lookup) -> BotReply:
    if lookup.outcome == NOT_FOUND:
        return _handoff(language, ORDER_UNKNOWN, "order not found in the shop's system",
                        {"order_id": number, "lookup": NOT_FOUND})
    reason = f"order lookup {'failed' if lookup.outcome == FAILED else 'timed out'} ({lookup.error})"
    return _handoff(language, ORDER_LOOKUP_FAILED, reason, {"order_id": number, "lookup": lookup.outcome,
                                                             "error": lookup.error})


def _last_step(history: Sequence[Said]) -> _Step | None:
    """The order step the bot's latest message left open, if it left one."""
    for message in reversed(history):
        if message.sender == "bot":
            order = message.meta.get("order") or {}
            if order.get("step") in (ASK_NUMBER, ASK_PHONE):
                return _Step(order["step"], order.get("order_id"), int(order.get("tries", 0)))
            return None
        if message.sender not in ("customer",):
            return None  # a person or the system spoke since
    return None


def _wrong_tries(history: Sequence[Said], order_id: str) -> int:
    """Wrong digits already sent for this order in this conversation, whatever case its id was typed in."""
    counts = [int((m.meta.get("order") or {}).get("tries", 0)) for m in history
              if m.sender == "bot" and order_key((m.meta.get("order") or {}).get("order_id") or "") == order_key(order_id)]
    return max(counts, default=0)
