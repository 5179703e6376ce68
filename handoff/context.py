"""What an agent sees: a conversation's row in a list, and the context package of one
conversation, made from what storage's console read model
(`gateway/storage/console_queries.py`) found. Pure: no I/O."""
from __future__ import annotations

import re
from datetime import datetime

from gateway.conversations.model import Sender
from gateway.conversations.views import MessageView
from gateway.texts import ui
from handoff.complaint_view import complaint_dict
from handoff.context_words import handoff_reason_text, reason_text, summary


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def handoff_dict(h) -> dict | None:
    if h is None:
        return None
    return {"id": h.id, "kind": h.kind, "reason": h.reason, "priority": h.priority, "category": h.category,
            "severity": h.severity, "queued_at": _iso(h.queued_at), "first_response_due_at": _iso(h.first_response_due_at),
            "warned_50_at": _iso(h.warned_50_at), "warned_80_at": _iso(h.warned_80_at),
            "breached_at": _iso(h.breached_at), "first_response_at": _iso(h.first_response_at),
            "assignee_id": h.assignee_id, "assigned_at": _iso(h.assigned_at), "resolved_at": _iso(h.resolved_at)}


PREVIEW = 200


def preview(text: str) -> str:
    """The start of a message for a list row, never cut inside a number or an address: a
    half phone number would slip past the masking that the whole one gets."""
    if len(text) <= PREVIEW:
        return text
    cut = re.sub(r"[0-9A-Za-z@._%+-]*$", "", text[:PREVIEW])  # the number, address or word the cut fell in
    return re.sub(r"[0-9+()\s-]*$", "", cut) + "…"  # and any digits before it


def listing_row(conversation, handoff, last_customer: str, assignee: str | None, now: datetime) -> dict:
    """`conversation` and `handoff`: anything with their fields (storage passes its rows)."""
    row = {"id": conversation.id, "status": conversation.status, "channel": conversation.channel,
           "last_customer_message": preview(last_customer), "assignee": assignee,
           "handoff": handoff_dict(handoff), "updated_at": _iso(conversation.updated_at)}
    if handoff is not None:
        row["waiting_seconds"] = int((now - handoff.queued_at).total_seconds())
        row["sla_seconds_left"] = int((handoff.first_response_due_at - now).total_seconds())
    return row


def context_dict(row: dict, customer, identities, conversations, current_id: str, transcript: list[dict],
                 bot_messages: list[MessageView], complaints: list, clocks: list, notes: list[dict],
                 language: str = ui.DEFAULT) -> dict:
    """Everything an agent needs about one conversation; the reasons (`reason_text`) and the
    summary in `language`, the reader's, beside the recorded `reason` prose. `row` is the
    conversation's `listing_row`; `transcript` every message of the customer's, on every
    channel, as staff events."""
    transcript = sorted(transcript, key=lambda m: (m["created_at"], m["id"]))
    attempts = [{"message_id": m.id, **(m.meta.get("bot") or {})} for m in bot_messages if m.sender == Sender.BOT]
    attempts = [{**a, "reason_text": reason_text(language, a)} for a in attempts]
    if row["handoff"] is not None:
        row["handoff"]["reason_text"] = handoff_reason_text(language, row["handoff"], attempts)
    return {
        **row,
        "customer": {"id": customer.id, "display_name": customer.display_name,
                     "identities": [{"channel": i.channel, "handle": i.external_user_id} for i in identities],
                     "earlier_conversations": [{"id": c.id, "status": c.status, "channel": c.channel,
                                                "created_at": _iso(c.created_at)}
                                               for c in conversations if c.id != current_id]},
        "transcript": transcript,
        "bot_attempts": attempts,
        "complaints": [complaint_dict(c, [k for k in clocks if k.complaint_id == c.id]) for c in complaints],
        "notes": notes,
        "order": latest_order(bot_messages),
        "summary": summary(language, row, attempts, transcript),
    }


def latest_order(bot_messages: list[MessageView]) -> dict | None:
    """The order the bot last looked up in this conversation, as its card (the bot's
    `meta.order`; no phone digits are ever in it), or None."""
    for message in reversed(bot_messages):
        order = message.meta.get("order") or {} if message.sender == Sender.BOT else {}
        if order.get("order_id"):
            return {k: v for k, v in order.items() if k != "step"}
    return None


def delivery_dict(d) -> dict:
    return {"status": d.status, "attempts": d.attempts, "error": d.last_error if d.status != "sent" else None,
            "external_ids": d.external_ids, "updated_at": _iso(d.updated_at)}
