"""Webhook events: the names a shop's systems subscribe to, and how each delivery is signed.

A receiver checks `X-CS-Gateway-Signature: sha256=<hex>`, the HMAC-SHA256 of
"<X-CS-Gateway-Timestamp>.<raw body>" under the endpoint's secret, and refuses an old timestamp:
a replayed delivery carries its old one, and changing it breaks the signature. The event id in
the body stays the same across retries, so a receiver drops what it has already seen.

Each event is recorded with the change it tells of (`WebhookEvents.record`, in the same unit of
work); the `data` of the conversation's own events is shaped here, so every place that stores a
message tells it alike.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from gateway.conversations.model import Sender
from gateway.conversations.ports import ConversationRecord, WebhookEvents
from gateway.conversations.views import MessageView

EVENT_TYPES = (
    "conversation.created",
    "message.created",
    "conversation.handed_off",
    "conversation.assigned",
    "conversation.resolved",
    "complaint.registered",
    "complaint.updated",
    "sla.warning",
    "sla.breached",
    "csat.received",
)
# What a CRM keeps as the transcript: the customer's words and the answers they got. System
# notices (a queue place, the rating request) are the gateway talking about itself.
TRANSCRIPT_SENDERS = (Sender.CUSTOMER, Sender.BOT, Sender.AGENT)
TIMESTAMP_HEADER = "X-CS-Gateway-Timestamp"
SIGNATURE_HEADER = "X-CS-Gateway-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for one delivery."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


async def record_conversation(events: WebhookEvents, conversation: ConversationRecord, at: datetime) -> None:
    """`conversation.created`, for a conversation just opened."""
    await events.record("conversation.created", {
        "conversation_id": conversation.id, "channel": conversation.channel,
        "customer_id": conversation.customer_id, "created_at": at.isoformat()}, at)


async def record_message(events: WebhookEvents, message: MessageView) -> None:
    """`message.created` for a message of the transcript: an agent's names the agent, a
    correction the message it corrects."""
    if message.sender not in TRANSCRIPT_SENDERS:
        return
    data = {"message_id": message.id, "conversation_id": message.conversation_id, "sender": message.sender,
            "text": message.text, "created_at": message.created_at.isoformat()}
    meta = message.meta or {}
    if message.sender == Sender.AGENT:
        data["agent_id"] = meta.get("agent_id")
    if meta.get("edit_of") is not None:
        data["edit_of"] = meta["edit_of"]
    await events.record("message.created", data, message.created_at)
