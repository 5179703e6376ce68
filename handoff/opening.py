"""Opening a hand-off, inside the bot turn's own transaction: the queue entry, its
first-response clock and, for a complaint, the register entry with its policy clocks."""
from __future__ import annotations

from datetime import datetime

from gateway import audit
from gateway.conversations.ports import ConversationRecord
from handoff import policy
from handoff.ports import ComplaintRecord, DeskUnitOfWork, QueuedHandoff
from handoff.service_clocks import ServiceClocks


async def open_handoff(uow: DeskUnitOfWork, conversation: ConversationRecord, reason: str, details: dict,
                       evidence_message_id: int, customer_text: str, now: datetime, sla_seconds: int,
                       clocks: ServiceClocks) -> QueuedHandoff:
    kind = policy.classify(details)
    handoff = await uow.desk.open_handoff(conversation.id, kind.kind, reason, kind.priority, kind.category,
                                          kind.severity, now, clocks.first_response_due(now, sla_seconds))
    await uow.webhook_events.record("conversation.handed_off", {
        "conversation_id": conversation.id, "channel": conversation.channel, "kind": kind.kind, "reason": reason,
        "priority": kind.priority, "category": kind.category, "severity": kind.severity, "queued_at": now.isoformat(),
        "first_response_due_at": handoff.first_response_due_at.isoformat()}, now)
    if kind.category:
        await register_complaint(uow, conversation, kind.category, kind.severity or "ordinary",
                                 details.get("severity_reasons", []), policy.demand(customer_text),
                                 [evidence_message_id], "bot", now, clocks=clocks)
    return handoff


async def register_complaint(uow: DeskUnitOfWork, conversation: ConversationRecord, category: str, severity: str,
                             reasons: list[str], demand: str, evidence: list[int], created_by: str,
                             now: datetime, owner_id: int | None = None,
                             clocks: ServiceClocks = ServiceClocks()) -> ComplaintRecord:
    code = policy.CHANNEL_CODES.get(conversation.channel, "OTH")
    serial = await uow.desk.next_complaint_serial(f"{now:%Y%m%d}", code)
    complaint = ComplaintRecord(id=policy.complaint_id(now, conversation.channel, serial),
                                conversation_id=conversation.id, category=category, severity=severity,
                                severity_reasons=list(reasons), demand=demand, status="open", owner_id=owner_id,
                                evidence_message_ids=list(evidence), root_cause=None, created_by=created_by,
                                created_at=now)
    await uow.desk.add_complaint(complaint)
    for clock_kind, due in clocks.complaint_clocks(severity, now):
        await uow.desk.add_complaint_clock(complaint.id, clock_kind, due)
    await uow.webhook_events.record("complaint.registered", {
        "complaint_id": complaint.id, "conversation_id": conversation.id, "category": category, "severity": severity,
        "demand": demand, "status": complaint.status, "created_by": created_by, "created_at": now.isoformat()}, now)
    # Every complaint, opened by the bot or by a person, starts its audit trail here.
    audit.record(uow, at=now, actor=created_by, action="registered", object_type="complaint", object_id=complaint.id,
                 summary=f"{severity} {category} complaint, demand {demand}, on {conversation.id}",
                 after={"status": complaint.status, "owner_id": owner_id, "category": category, "severity": severity,
                        "demand": demand})
    return complaint
