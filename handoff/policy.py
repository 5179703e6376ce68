"""The service handbook as code: queue priority, the warning marks, complaint clocks,
complaint ids. Pure: no I/O, times passed in. Due times: `service_clocks.py`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

# Lower runs first: major complaints, then complaints, then people who asked for a person
# (or said the bot did not help, or whose order is late or would not verify), then the bot's
# own doubts and the order lookups that found nothing or failed. Keys are the bot's hand-off codes.
PRIORITY = {"major_complaint": 0, "complaint": 1, "human_request": 2, "not_helpful": 2, "unhelpful": 2,
            "order_late": 2, "order_unverified": 2, "low_confidence": 3, "order_unknown": 3,
            "order_lookup_failed": 3, "other": 4}
WARNING_MARKS = (0.5, 0.8)
CHANNEL_CODES = {"web": "WEB", "telegram": "TG"}
COMPLAINT_CLOCKS = {
    "ordinary": (("contact", timedelta(hours=2)), ("plan", timedelta(hours=24))),
    "major": (("supervisor", timedelta(hours=1)), ("process", timedelta(hours=4)), ("update", timedelta(hours=24))),
}
_DEMANDS = (
    ("refund", re.compile(r"退款|退钱|退货退款|把钱退|refund|money back|reimburs", re.I)),
    ("exchange", re.compile(r"换货|换一|换个|重发|补发|exchange|replace|replacement|resend", re.I)),
    ("apology", re.compile(r"道歉|赔礼|说法|交代|apolog", re.I)),
)


@dataclass(frozen=True)
class HandoffKind:
    kind: str
    priority: int
    category: str | None = None
    severity: str | None = None


def classify(details: dict) -> HandoffKind:
    """From the bot's decision details (its hand-off code) to a queue kind and priority."""
    category, severity = details.get("category"), details.get("severity")
    if category:
        kind = "major_complaint" if severity == "major" else "complaint"
        return HandoffKind(kind, PRIORITY[kind], category, severity)
    code = details.get("code")
    kind = code if code in PRIORITY else "other"
    return HandoffKind(kind, PRIORITY[kind])


def complaint_id(opened_at: datetime, channel: str, serial: int) -> str:
    return f"{opened_at:%Y%m%d}-{CHANNEL_CODES.get(channel, 'OTH')}-{serial:04d}"


def demand(text: str) -> str:
    return next((name for name, pattern in _DEMANDS if pattern.search(text)), "other")


def estimated_wait_seconds(position: int, agents_online: int, typical_handle_seconds: float) -> int | None:
    """Honest about nobody being online: no estimate rather than a made-up one."""
    if agents_online <= 0:
        return None
    return int(position * typical_handle_seconds / agents_online)
