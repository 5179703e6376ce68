"""The complaint register beyond detection: agents open complaints, meet their clocks,
take ownership and close them with a root cause."""
from __future__ import annotations

import dataclasses
from typing import Callable

from gateway import audit
from gateway.clock import Clock
from handoff.complaint_view import complaint_dict
from handoff.errors import InvalidRequest, NotFound, WrongState
from handoff.opening import register_complaint
from handoff.policy import COMPLAINT_CLOCKS
from handoff.ports import ComplaintRecord, DeskUnitOfWork
from handoff.service_clocks import CalendarSource, ServiceClocks
from handoff.staff import StaffMember

CATEGORIES = ("product", "service", "logistics", "other")
SEVERITIES = ("ordinary", "major")
DEMANDS = ("refund", "exchange", "apology", "other")
STATUSES = ("open", "in_progress", "closed")
# What the audit log keeps of a complaint: its own table holds only the present state.
AUDITED = ("status", "owner_id", "root_cause", "category", "severity", "demand")


def _audited(complaint: ComplaintRecord) -> dict:
    return {name: getattr(complaint, name) for name in AUDITED}


def _change_summary(old: dict, new: dict, clock_met: str | None) -> str:
    parts = [f"{k}: {old[k]} → {new[k]}" for k in new if k != "root_cause"]
    if "root_cause" in new:
        parts.append(f"root cause: {new['root_cause']}")
    if clock_met is not None:
        parts.append(f"{clock_met} clock met")
    return ", ".join(parts)[:500]


class ComplaintRegister:
    def __init__(self, uow: Callable[[], DeskUnitOfWork], clock: Clock, calendar: CalendarSource = ServiceClocks):
        self._uow = uow
        self._clock = clock
        self._calendar = calendar

    async def open(self, by: StaffMember, conversation_id: str, category: str, severity: str, demand: str,
                   evidence: list[int]) -> dict:
        if category not in CATEGORIES or severity not in SEVERITIES or demand not in DEMANDS:
            raise InvalidRequest(f"category in {CATEGORIES}, severity in {SEVERITIES}, demand in {DEMANDS}")
        async with self._uow() as uow:
            conversation = await uow.chats.conversation(conversation_id)
            if conversation is None:
                raise NotFound(f"no conversation {conversation_id!r}")
            for message_id in set(evidence):
                message = await uow.chats.message(message_id)
                if message is None or message.conversation_id != conversation_id:
                    raise InvalidRequest("evidence must be messages of this conversation")
            complaint = await register_complaint(uow, conversation, category, severity, [], demand, evidence,
                                                 f"{by.role}:{by.username}", self._clock(), owner_id=by.user_id,
                                                 clocks=self._calendar())
            await uow.commit()
            return complaint_dict(complaint, await uow.desk.complaint_clocks(complaint.id))

    async def update(self, by: StaffMember, complaint_id: str, *, status: str | None = None,
                     owner_id: int | None = None, root_cause: str | None = None, clock_met: str | None = None) -> dict:
        now = self._clock()
        async with self._uow() as uow:
            complaint = await uow.desk.complaint(complaint_id)
            if complaint is None:
                raise NotFound(f"no complaint {complaint_id!r}")
            if complaint.status == "closed":
                raise WrongState("the complaint is closed")
            before = _audited(complaint)
            if clock_met is not None:
                if clock_met not in dict(COMPLAINT_CLOCKS[complaint.severity]):
                    raise InvalidRequest(f"a {complaint.severity} complaint has no {clock_met!r} clock")
                await uow.desk.meet_clock(complaint_id, clock_met, now)
            if owner_id is not None:
                owner = await uow.desk.account(owner_id)
                if owner is None or not owner.active:
                    raise InvalidRequest("the owner must be an active account")
                complaint = dataclasses.replace(complaint, owner_id=owner_id)
            if status is not None:
                if status not in STATUSES:
                    raise InvalidRequest(f"status must be one of {', '.join(STATUSES)}")
                if status == "closed":
                    if not (root_cause or "").strip():
                        raise InvalidRequest("closing a complaint needs its root cause")
                    complaint = dataclasses.replace(complaint, root_cause=root_cause.strip(), closed_at=now)
                complaint = dataclasses.replace(complaint, status=status)
            await uow.desk.update_complaint(complaint)
            old, new = audit.changed(before, _audited(complaint))
            met = {"clock_met": clock_met} if clock_met is not None else {}
            if old or met:
                action = "closed" if new.get("status") == "closed" else "updated"
                audit.record(uow, at=now, actor=f"{by.role}:{by.username}", action=action, object_type="complaint",
                             object_id=complaint_id, before=old, after={**new, **met},
                             summary=_change_summary(old, new, clock_met))
                await uow.webhook_events.record("complaint.updated", {
                    "complaint_id": complaint_id, "conversation_id": complaint.conversation_id,
                    "status": complaint.status, "changed": {**new, **met}, "by": f"{by.role}:{by.username}"}, now)
            await uow.commit()
            return complaint_dict(complaint, await uow.desk.complaint_clocks(complaint_id))
