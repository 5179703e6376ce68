"""A complaint as the console and the API show it, with its clocks."""
from __future__ import annotations

from datetime import datetime


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def complaint_dict(c, clocks) -> dict:
    """`c` and `clocks`: records or rows alike (they share the field names)."""
    return {"id": c.id, "conversation_id": c.conversation_id, "category": c.category, "severity": c.severity,
            "severity_reasons": c.severity_reasons, "demand": c.demand, "status": c.status, "owner_id": c.owner_id,
            "evidence_message_ids": c.evidence_message_ids, "root_cause": c.root_cause,
            "created_at": _iso(c.created_at),
            "clocks": [{"kind": k.kind, "due_at": _iso(k.due_at), "met_at": _iso(k.met_at),
                        "breached_at": _iso(k.breached_at)} for k in clocks]}
