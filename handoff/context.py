"""What an agent sees: the queue, and the context package of one conversation."""
from __future__ import annotations

import re
from datetime import datetime

from gateway.conversations.model import Sender
from gateway.storage.repository import message_view
from gateway.storage.tables import Conversation, Handoff
from gateway.storage.unit_of_work import UnitOfWork
from gateway.texts import ui
from handoff.complaint_view import complaint_dict
from handoff.context_words import handoff_reason_text, reason_text, summary


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def handoff_dict(h: Handoff | None) -> dict | None:
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


def _row(conversation: Conversation, handoff: Handoff | None, last_customer: str, assignee: str | None,
         now: datetime) -> dict:
    row = {"id": conversation.id, "status": conversation.status, "channel": conversation.channel,
           "last_customer_message": preview(last_customer), "assignee": assignee,
           "handoff": handoff_dict(handoff), "updated_at": _iso(conversation.updated_at)}
    if handoff is not None:
        row["waiting_seconds"] = int((now - handoff.queued_at).total_seconds())
        row["sla_seconds_left"] = int((handoff.first_response_due_at - now).total_seconds())
    return row


async def summary_row(uow: UnitOfWork, conversation: Conversation, handoff: Handoff | None, now: datetime) -> dict:
    last = (await uow.conversations.last_customer_texts([conversation.id])).get(conversation.id, "")
    assignee = await uow.handoffs.user(conversation.assignee_id) if conversation.assignee_id else None
    return _row(conversation, handoff, last, assignee.username if assignee else None, now)


async def queue_rows(uow: UnitOfWork, now: datetime) -> list[dict]:
    """The whole queue in three queries, however long it is: it is rebuilt on every change."""
    queue = await uow.handoffs.queue()
    last = await uow.conversations.last_customer_texts([c.id for c, _ in queue])
    return [{**_row(c, h, last.get(c.id, ""), None, now), "position": position}
            for position, (c, h) in enumerate(queue, start=1)]


async def context_package(uow: UnitOfWork, conversation: Conversation, now: datetime,
                          language: str = ui.DEFAULT) -> dict:
    """Everything an agent needs about one conversation; the reasons (`reason_text`) and the
    summary in `language`, the reader's, beside the recorded `reason` prose."""
    customer = await uow.conversations.customer(conversation.customer_id)
    identities = await uow.conversations.identities(conversation.customer_id)
    conversations = await uow.conversations.conversations_of_customer(conversation.customer_id)
    transcript = []
    for other in conversations:  # every conversation of this customer, on every channel
        messages = await uow.conversations.history(other.id)
        deliveries = await uow.channels.deliveries([m.id for m in messages if m.sender != Sender.CUSTOMER])
        for m in messages:
            delivery = deliveries.get(m.id)
            transcript.append({**message_view(m).to_staff_event(delivery_dict(delivery) if delivery else None),
                               "channel": other.channel})
    transcript.sort(key=lambda m: (m["created_at"], m["id"]))
    attempts = [{"message_id": m["id"], **(m_meta.get("bot") or {})}
                for m, m_meta in _bot_meta(await uow.conversations.history(conversation.id))]
    attempts = [{**a, "reason_text": reason_text(language, a)} for a in attempts]
    handoff = await uow.handoffs.current(conversation.id) or await uow.handoffs.latest(conversation.id)
    complaints = await uow.handoffs.complaints_of(conversation.id)
    clocks = await uow.handoffs.clocks([c.id for c in complaints])
    notes = await uow.handoffs.notes(conversation.id)
    authors = {n.author_id: (await uow.handoffs.user(n.author_id)).username for n in notes}
    row = await summary_row(uow, conversation, handoff, now)
    if row["handoff"] is not None:
        row["handoff"]["reason_text"] = handoff_reason_text(language, row["handoff"], attempts)
    return {
        **row,
        "customer": {"id": customer.id, "display_name": customer.display_name,
                     "identities": [{"channel": i.channel, "handle": i.external_user_id} for i in identities],
                     "earlier_conversations": [{"id": c.id, "status": c.status, "channel": c.channel,
                                                "created_at": _iso(c.created_at)}
                                               for c in conversations if c.id != conversation.id]},
        "transcript": transcript,
        "bot_attempts": attempts,
        "complaints": [complaint_dict(c, [k for k in clocks if k.complaint_id == c.id]) for c in complaints],
        "notes": [{"id": n.id, "author": authors[n.author_id], "text": n.text, "created_at": _iso(n.created_at)}
                  for n in notes],
        "summary": summary(language, row, attempts, transcript),
    }


def delivery_dict(d) -> dict:
    return {"status": d.status, "attempts": d.attempts, "error": d.last_error if d.status != "sent" else None,
            "external_ids": d.external_ids, "updated_at": _iso(d.updated_at)}


def _bot_meta(messages):
    return [(message_view(m).to_event(), m.meta or {}) for m in messages if m.sender == Sender.BOT]
