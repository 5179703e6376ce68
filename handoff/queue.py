"""Where a waiting customer stands, told honestly: the place in the queue, a wait only
when someone is there to make it true, and when people are back outside service hours."""
from __future__ import annotations

from datetime import datetime

from gateway import texts
from gateway.conversations.views import HandoffStatus
from handoff.policy import estimated_wait_seconds
from handoff.ports import DeskUnitOfWork, QueuedHandoff
from handoff.service_hours import ServiceHours

OUT_OF_HOURS = "out_of_hours"
NOBODY_ONLINE = "nobody_online"


def describe(position: int, agents_online: int, typical_handle_seconds: float, hours: ServiceHours,
             now: datetime) -> HandoffStatus:
    if not hours.is_open(now):
        return HandoffStatus("queued", position=position, agents_online=agents_online, notice=OUT_OF_HOURS,
                             opens_at=hours.next_opening(now).isoformat())
    return HandoffStatus("queued", position=position,
                         estimated_wait_seconds=estimated_wait_seconds(position, agents_online, typical_handle_seconds),
                         agents_online=agents_online, notice=None if agents_online else NOBODY_ONLINE)


async def queue_status(uow: DeskUnitOfWork, handoff: QueuedHandoff, now: datetime,
                       hours: ServiceHours = ServiceHours()) -> HandoffStatus:
    position = await uow.desk.position(handoff)
    agents = len(await uow.desk.agents_online())
    return describe(position, agents, await uow.desk.typical_handle_seconds(), hours, now)


def notice_text(language: str, status: HandoffStatus, hours: ServiceHours) -> str:
    """The system message that goes with a queued status, in the customer's language."""
    if status.notice == OUT_OF_HOURS:
        opens = texts.opening_time(language, datetime.fromisoformat(status.opens_at), hours.zone)
        return texts.text(language, "out_of_hours", position=status.position, opens_at=opens)
    key = "queued_nobody_online" if status.notice == NOBODY_ONLINE else "queued"
    return texts.text(language, key, position=status.position)
