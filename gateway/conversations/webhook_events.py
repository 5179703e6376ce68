"""Webhook events: the names a shop's systems subscribe to, and how each delivery is signed.

A receiver checks `X-CS-Gateway-Signature: sha256=<hex>`, the HMAC-SHA256 of
"<X-CS-Gateway-Timestamp>.<raw body>" under the endpoint's secret, and refuses an old timestamp:
a replayed delivery carries its old one, and changing it breaks the signature. The event id in
the body stays the same across retries, so a receiver drops what it has already seen.
"""
from __future__ import annotations

import hashlib
import hmac

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
TIMESTAMP_HEADER = "X-CS-Gateway-Timestamp"
SIGNATURE_HEADER = "X-CS-Gateway-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for one delivery."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"
