"""Where a waiting customer stands, told honestly."""
from __future__ import annotations

from gateway.conversations.views import HandoffStatus
from gateway.storage.tables import Handoff
from gateway.storage.unit_of_work import UnitOfWork
from handoff.policy import estimated_wait_seconds


async def queue_status(uow: UnitOfWork, handoff: Handoff) -> HandoffStatus:
    position = await uow.handoffs.position(handoff)
    agents = len(await uow.handoffs.online_agents())
    wait = estimated_wait_seconds(position, agents, await uow.handoffs.typical_handle_seconds())
    return HandoffStatus("queued", position=position, estimated_wait_seconds=wait)
