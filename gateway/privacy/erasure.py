"""Erasing one customer's personal data, on request or by the retention setting.

Personal data is anything that names, reaches or quotes the person: what they wrote, what
agents wrote about them, their channel identifiers and attachments. It is blanked or
replaced with a pseudonym that cannot be turned back; what the figures are made of (ids,
timestamps, senders, statuses, hand-off kinds and clocks, scores, categories) is kept, so
every report reads the same before and after. Append-only records take part through the
one update their triggers allow (stamping `erased_at`); everything happens in one
transaction with one audit row that holds counts, never the data.

Erasing the same customer twice, or from two processes at once, is harmless: the customer
row is stamped first by a conditional update, so whoever comes second finds nothing to do.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, update

from gateway import audit
from gateway.clock import Clock
from gateway.conversations.model import Status
from gateway.storage.tables import (AuditRecord, ChannelIdentity, Complaint, Conversation, ConversationEvent,
                                    ConversationNote, CsatResponse, Customer, Delivery, GuardHit, Handoff, KbProposal,
                                    Message, OutboxItem, QualityReview, TelegramUpdate, WebhookDelivery)
from gateway.storage.unit_of_work import UnitOfWorkFactory

MARKER = "[erased]"
PSEUDONYM = "erased:"
# Message meta that describes the gateway's own doing (bot decisions, hand-off states, which
# agent answered), not the customer; attachments keep only their kind.
KEPT_META = ("command", "edit_of", "language", "bot", "quick_replies", "handoff", "csat_request", "agent",
             "agent_id")
OPEN_CONVERSATION = (Status.QUEUED, Status.ASSIGNED)


class ErasureRefused(Exception):
    """`status` follows HTTP: 404 for an unknown customer, 409 while people still work on them."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Erased:
    customer_id: str
    # Rows changed, per table; empty when an earlier erasure had already done everything.
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def already_erased(self) -> bool:
        return not self.counts


def erased_meta(meta: dict | None) -> dict:
    kept = {k: v for k, v in (meta or {}).items() if k in KEPT_META}
    if (meta or {}).get("attachments"):
        kept["attachments"] = [{"kind": a.get("kind")} for a in meta["attachments"] if isinstance(a, dict)]
    return kept


def _rowcount(result) -> int:
    return max(result.rowcount or 0, 0)


async def open_work(session, customer_id: str) -> list[str]:
    """What people still do for the customer; erasing it would pull records from under them."""
    conversations = select(Conversation.id).where(Conversation.customer_id == customer_id)
    found = []
    if (await session.execute(select(Conversation.id).where(
            Conversation.customer_id == customer_id, Conversation.status.in_(OPEN_CONVERSATION)).limit(1))).first():
        found.append("a conversation with people")
    if (await session.execute(select(Handoff.id).where(
            Handoff.conversation_id.in_(conversations), Handoff.resolved_at.is_(None)).limit(1))).first():
        found.append("an open hand-off")
    if (await session.execute(select(Complaint.id).where(
            Complaint.conversation_id.in_(conversations), Complaint.status != "closed").limit(1))).first():
        found.append("an open complaint")
    return found


class CustomerErasure:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock):
        self._uow = uow
        self._clock = clock

    async def erase(self, customer_id: str, *, actor: str) -> Erased:
        # Ids are short printable strings; anything else (a NUL from a URL) cannot name one, and
        # PostgreSQL would refuse to even compare it.
        if not customer_id or len(customer_id) > 32 or not customer_id.isprintable():
            raise ErasureRefused(404, f"no customer {customer_id[:40]!r}")
        now = self._clock()
        async with self._uow() as uow:
            session = uow.session
            customer = await session.get(Customer, customer_id)
            if customer is None:
                raise ErasureRefused(404, f"no customer {customer_id!r}")
            if customer.erased_at is not None:
                return Erased(customer_id)
            blocking = await open_work(session, customer_id)
            if blocking:
                raise ErasureRefused(409, f"customer {customer_id} still has {', '.join(blocking)}: "
                                          "resolve or close it first")
            # First write, and conditional: a concurrent erasure waits here, then finds 0 rows.
            stamped = await session.execute(
                update(Customer).where(Customer.id == customer_id, Customer.erased_at.is_(None))
                .values(display_name=None, erased_at=now).execution_options(synchronize_session=False))
            if _rowcount(stamped) != 1:
                return Erased(customer_id)
            counts = {"customers": 1, **await _erase_rows(session, customer_id, now)}
            counts = {table: n for table, n in counts.items() if n}
            audit.record(uow, at=now, actor=actor, action="erased", object_type="customer", object_id=customer_id,
                         summary="personal data erased: " + ", ".join(f"{n} {t}" for t, n in counts.items()),
                         after={"erased": counts})
            await uow.commit()
        return Erased(customer_id, counts)


async def _erase_rows(session, customer_id: str, now: datetime) -> dict[str, int]:
    counts: dict[str, int] = {}
    conversation_ids = list((await session.execute(
        select(Conversation.id).where(Conversation.customer_id == customer_id))).scalars())
    identities = list((await session.execute(
        select(ChannelIdentity).where(ChannelIdentity.customer_id == customer_id))).scalars())
    chats = list((await session.execute(select(Conversation.external_chat_id).where(
        Conversation.id.in_(conversation_ids)))).scalars())
    external_ids = {i.external_user_id for i in identities} | set(chats)

    # A returning visitor or Telegram user no longer finds anything, and starts afresh.
    for identity in identities:
        await session.execute(update(ChannelIdentity).where(ChannelIdentity.id == identity.id)
                              .values(external_user_id=f"{PSEUDONYM}{identity.id}"))
    counts["channel_identities"] = len(identities)
    # The version moves on, so a message being stored into the old chat right now is retried
    # and lands in a fresh conversation.
    counts["conversations"] = _rowcount(await session.execute(
        update(Conversation).where(Conversation.customer_id == customer_id)
        .values(external_chat_id=f"{PSEUDONYM}{customer_id}", version=Conversation.version + 1)))
    if not conversation_ids:
        return counts
    in_conversations = [Message.conversation_id.in_(conversation_ids)]

    messages = (await session.execute(select(Message.id, Message.meta).where(
        *in_conversations, Message.erased_at.is_(None)))).all()
    for message_id, meta in messages:
        await session.execute(update(Message).where(Message.id == message_id)
                              .values(text=MARKER, meta=erased_meta(meta), erased_at=now))
    counts["messages"] = len(messages)
    message_ids = select(Message.id).where(*in_conversations)
    counts["deliveries"] = _rowcount(await session.execute(update(Delivery).where(
        Delivery.message_id.in_(message_ids), Delivery.last_error.is_not(None), Delivery.last_error != MARKER)
        .values(last_error=MARKER)))

    for model, column in ((ConversationEvent, "reason"), (ConversationNote, "text"), (GuardHit, "excerpt")):
        counts[model.__tablename__] = _rowcount(await session.execute(update(model).where(
            model.conversation_id.in_(conversation_ids), model.erased_at.is_(None))
            .values({column: MARKER, "erased_at": now})))
    counts["quality_reviews"] = _rowcount(await session.execute(update(QualityReview).where(
        QualityReview.conversation_id.in_(conversation_ids), QualityReview.erased_at.is_(None),
        QualityReview.comment.is_not(None)).values(comment=MARKER, erased_at=now)))
    counts["handoffs"] = _rowcount(await session.execute(update(Handoff).where(
        Handoff.conversation_id.in_(conversation_ids), Handoff.reason != MARKER).values(reason=MARKER)))
    counts["csat_responses"] = _rowcount(await session.execute(update(CsatResponse).where(
        CsatResponse.conversation_id.in_(conversation_ids), CsatResponse.comment.is_not(None))
        .values(comment=None)))
    # Proposed words no editor took are the customer's; approved ones are the shop's entry text
    # now (masked when proposed), and only lose their link to the conversation.
    counts["kb_proposals"] = _rowcount(await session.execute(delete(KbProposal).where(
        KbProposal.conversation_id.in_(conversation_ids), KbProposal.status != "approved")))
    await session.execute(update(KbProposal).where(KbProposal.conversation_id.in_(conversation_ids))
                          .values(conversation_id=None, message_id=None))
    counts.update(await _erase_complaints(session, conversation_ids, now))
    counts["outbox"] = await _erase_outbox(session, conversation_ids, now)
    counts["webhook_deliveries"] = await _erase_webhook_bodies(session, conversation_ids)
    counts["telegram_updates"] = await _erase_update_errors(session, external_ids)
    return counts


async def _erase_complaints(session, conversation_ids: list[str], now: datetime) -> dict[str, int]:
    complaint_ids = list((await session.execute(select(Complaint.id).where(
        Complaint.conversation_id.in_(conversation_ids)))).scalars())
    if not complaint_ids:
        return {}
    # Severity reasons are the bot's fixed labels ("safety", "large sum"): kept, like severity.
    changed = _rowcount(await session.execute(update(Complaint).where(
        Complaint.id.in_(complaint_ids), Complaint.root_cause.is_not(None), Complaint.root_cause != MARKER)
        .values(root_cause=MARKER)))
    records = (await session.execute(select(AuditRecord).where(
        AuditRecord.object_type == "complaint", AuditRecord.object_id.in_(complaint_ids),
        AuditRecord.erased_at.is_(None)))).scalars().all()
    for row in records:
        # Status, owner and classification changes stay readable; the root cause does not.
        await session.execute(update(AuditRecord).where(AuditRecord.id == row.id).values(
            summary=f"{row.action} ({MARKER})", erased_at=now,
            before=_without_root_cause(row.before), after=_without_root_cause(row.after)))
    return {"complaints": changed, "audit_log": len(records)}


def _without_root_cause(values: dict | None) -> dict | None:
    if values is None:
        return None
    return {k: (MARKER if k == "root_cause" and v else v) for k, v in values.items()}


async def _erase_outbox(session, conversation_ids: list[str], now: datetime) -> int:
    rows = (await session.execute(select(OutboxItem).where(OutboxItem.conversation_id.in_(conversation_ids))))
    changed = 0
    for item in rows.scalars().all():
        payload = dict(item.payload or {})
        values: dict = {}
        if "chat_id" in payload and not str(payload["chat_id"]).startswith(PSEUDONYM):
            values["payload"] = {**payload, "chat_id": PSEUDONYM + item.conversation_id}
        if item.last_error is not None and item.last_error != MARKER:
            values["last_error"] = MARKER
        if item.done_at is None:
            # Nothing more goes out to a person who asked to be forgotten.
            values["done_at"] = now
        if values:
            await session.execute(update(OutboxItem).where(OutboxItem.id == item.id).values(**values))
            changed += 1
    return changed


# What an event's data keeps after its customer is erased: ids, times and the gateway's own codes,
# so a receiver still gets the event (and can erase the customer in turn), never their words.
ERASED_EVENT_FIELDS = frozenset({"channel", "kind", "status", "sender", "score", "severity", "category", "mark",
                                 "clock", "priority"})


def erased_event(body: str) -> str:
    event = json.loads(body)
    data = event.get("data") or {}
    kept = {k: v for k, v in data.items() if k.endswith(("_id", "_at")) or k in ERASED_EVENT_FIELDS}
    return json.dumps({**event, "data": {**kept, "erased": True}}, ensure_ascii=False, separators=(",", ":"))


async def _erase_webhook_bodies(session, conversation_ids: list[str]) -> int:
    """Events about the customer's conversations, delivered or on their way: the same event id,
    its data cut to ids and codes. One still pending goes out so, in its turn."""
    rows = (await session.execute(select(WebhookDelivery.id, WebhookDelivery.body).where(
        WebhookDelivery.conversation_id.in_(conversation_ids)))).all()
    changed = 0
    for delivery_id, body in rows:
        erased = erased_event(body)
        if erased != body:
            await session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(body=erased))
            changed += 1
    return changed


async def _erase_update_errors(session, external_ids: set[str]) -> int:
    """Handled Telegram updates name no customer, but a failure's text may quote their ids."""
    changed = 0
    for external_id in external_ids:
        if external_id.startswith(PSEUDONYM) or not external_id:
            continue
        changed += _rowcount(await session.execute(update(TelegramUpdate).where(
            TelegramUpdate.error.contains(external_id, autoescape=True)).values(error=MARKER)))
    return changed
