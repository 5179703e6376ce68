"""The SLA sweeper: re-evaluates the stored clocks every half second.

Warnings at 50 % and 80 % of the first-response time, a breach at the deadline (the
conversation is flagged, supervisors alerted, and it goes back to the queue if its
assignee is away), and overdue complaint clocks. Each is stamped once by a conditional
update, so a second sweeper (or a restart) never repeats an alert; nothing lives in a
timer that a crash could lose. Webhooks hear each (`sla.warning`, `sla.breached`) from the
transaction that stamps it.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Callable

from gateway.bus import MessageBus
from gateway.clock import Clock
from gateway.conversations.model import ConcurrentUpdate, Status, plan_transition
from gateway.conversations.ports import ConversationRecord
from handoff.desk import Desk
from handoff.events import ComplaintClockBreached, QueueChanged, SlaBreach, SlaWarning
from handoff.policy import WARNING_MARKS
from handoff.ports import AwaitedHandoff, DeskUnitOfWork
from handoff.service_clocks import CalendarSource, ServiceClocks

log = logging.getLogger(__name__)


def _first_response(handoff: AwaitedHandoff, conversation: ConversationRecord) -> dict:
    """What an `sla.*` webhook tells of a first-response clock (a complaint's clocks say `complaint_clock`)."""
    return {"conversation_id": handoff.conversation_id, "kind": "first_response", "handoff_id": handoff.id,
            "agent_id": conversation.assignee_id, "first_response_due_at": handoff.first_response_due_at.isoformat()}


class SlaSweeper:
    def __init__(self, uow: Callable[[], DeskUnitOfWork], clock: Clock, bus: MessageBus, desk: Desk, interval: float = 0.5,
                 calendar: CalendarSource = ServiceClocks):
        self._uow = uow
        self._clock = clock
        self._bus = bus
        self._desk = desk
        self._interval = interval
        self._calendar = calendar
        self._open: bool | None = None
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sla-sweeper")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep()
                await self._desk.auto_assign()
            except Exception:
                log.exception("SLA sweep failed; trying again")
            await asyncio.sleep(self._interval)

    async def sweep(self) -> list:
        """Everything that fell due since the last sweep; returns the events it published."""
        now = self._clock()
        # Deadlines are stored; the calendar in force only places the warnings, which always
        # fall between a hand-off's queueing and its stored deadline.
        clocks = self._calendar()
        events: list = []
        async with self._uow() as uow:
            for handoff in await uow.desk.awaiting_first_response():
                conversation = await uow.chats.conversation(handoff.conversation_id)
                due = handoff.first_response_due_at
                for mark in WARNING_MARKS:
                    name = f"warned_{int(mark * 100)}"
                    if (getattr(handoff, f"{name}_at") is None
                            and clocks.warning_due(handoff.queued_at, due, mark) <= now < due
                            and await uow.desk.stamp_handoff(handoff.id, name, now)):
                        events.append(SlaWarning(handoff.conversation_id, handoff.id, int(mark * 100), due,
                                                 conversation.assignee_id))
                        await uow.webhook_events.record("sla.warning", {
                            **_first_response(handoff, conversation), "mark": mark, "warned_at": now.isoformat()}, now)
                if now >= due and await uow.desk.stamp_handoff(handoff.id, "breached", now):
                    assignee = conversation.assignee_id
                    await uow.webhook_events.record("sla.breached", {
                        **_first_response(handoff, conversation), "breached_at": now.isoformat()}, now)
                    reassigned = await self._release_if_away(uow, conversation, now)
                    events.append(SlaBreach(handoff.conversation_id, handoff.id, due, assignee, reassigned))
            for clock in await uow.desk.overdue_complaint_clocks(now):
                if await uow.desk.breach_complaint_clock(clock.id, now):
                    events.append(ComplaintClockBreached(clock.complaint_id, clock.conversation_id, clock.kind,
                                                         clock.due_at))
                    await uow.webhook_events.record("sla.breached", {
                        "conversation_id": clock.conversation_id, "kind": "complaint_clock",
                        "complaint_id": clock.complaint_id, "clock": clock.kind, "due_at": clock.due_at.isoformat(),
                        "breached_at": now.isoformat()}, now)
            await uow.commit()
        for event in events:
            log.warning("clock fell due", extra={"event": type(event).__name__,
                                                "conversation_id": getattr(event, "conversation_id", None)})
            await self._bus.publish(event)
        if any(isinstance(e, SlaBreach) and e.reassigned for e in events):
            await self._bus.publish(QueueChanged("reassigned at breach"))
        await self._notice_opening_and_closing(now, clocks.hours)
        return events

    async def _notice_opening_and_closing(self, now, hours) -> None:
        """Waiting customers are told again when the shop opens or closes, so an
        out-of-hours notice does not outlive the night, nor an estimate the day."""
        was, self._open = self._open, hours.is_open(now)
        if was is not None and was != self._open:
            await self._bus.publish(QueueChanged("service hours began" if self._open else "service hours ended"))

    async def _release_if_away(self, uow, conversation, now) -> bool:
        if conversation.status != Status.ASSIGNED or conversation.assignee_id is None:
            return False
        presence = await uow.desk.presence_of(conversation.assignee_id)
        if presence is not None and presence.status == "online":
            return False
        change = plan_transition(Status.ASSIGNED, Status.QUEUED, actor="sla",
                                 reason="first response overdue and the assignee is away")
        try:
            await uow.chats.transition(conversation, change, now, assignee_id=None)
        except ConcurrentUpdate:
            return False
        await uow.desk.requeue_first(conversation.id)
        return True
