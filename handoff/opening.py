"""Opening a hand-off, inside the bot turn's own transaction: the queue entry, its
first-response clock and, for a complaint, the register entry with its policy clocks."""
from __future__ import annotations

from datetime import datetime

from gateway import audit
from gateway.storage.tables import Complaint, ComplaintClock, Conversation, Handoff
from gateway.storage.unit_of_work import UnitOfWork
from handoff import policy
from handoff.service_clocks import ServiceClocks


async def open_handoff(uow: UnitOfWork, conversation: Conversation, reason: str, details: dict,
                       evidence_message_id: int, customer_text: str, now: datetime, sla_seconds: int,
                       clocks: ServiceClocks) -> Handoff:
    kind = policy.classify(details)
    handoff = Handoff(conversation_id=conversation.id, kind=kind.kind, reason=reason, priority=kind.priority,
                      category=kind.category, severity=kind.severity, queued_at=now,
                      first_response_due_at=clocks.first_response_due(now, sla_seconds))
    uow.handoffs.add(handoff)
    if kind.category:
        await register_complaint(uow, conversation, kind.category, kind.severity or "ordinary",
                                 details.get("severity_reasons", []), policy.demand(customer_text),
                                 [evidence_message_id], "bot", now, clocks=clocks)
    await uow.handoffs.flush()
    return handoff


async def register_complaint(uow: UnitOfWork, conversation: Conversation, category: str, severity: str,
                             reasons: list[str], demand: str, evidence: list[int], created_by: str,
                             now: datetime, owner_id: int | None = None,
                             clocks: ServiceClocks = ServiceClocks()) -> Complaint:
    code = policy.CHANNEL_CODES.get(conversation.channel, "OTH")
    serial = await uow.handoffs.next_serial(f"{now:%Y%m%d}", code)
    complaint = Complaint(id=policy.complaint_id(now, conversation.channel, serial), conversation_id=conversation.id,
                          category=category, severity=severity, severity_reasons=list(reasons), demand=demand,
                          status="open", evidence_message_ids=list(evidence), created_by=created_by, created_at=now,
                          owner_id=owner_id)
    uow.handoffs.add(complaint)
    await uow.handoffs.flush()
    for clock_kind, due in clocks.complaint_clocks(severity, now):
        uow.handoffs.add(ComplaintClock(complaint_id=complaint.id, kind=clock_kind, due_at=due))
    # Every complaint, opened by the bot or by a person, starts its audit trail here.
    audit.record(uow, at=now, actor=created_by, action="registered", object_type="complaint", object_id=complaint.id,
                 summary=f"{severity} {category} complaint, demand {demand}, on {conversation.id}",
                 after={"status": complaint.status, "owner_id": owner_id, "category": category, "severity": severity,
                        "demand": demand})
    return complaint
