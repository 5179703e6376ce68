"""Waiting customers hear their new place in the queue whenever it moves."""
from __future__ import annotations

import logging
from typing import Callable

from gateway.conversations.channel_port import ChannelRegistry
from gateway.conversations.ports import only_reading
from gateway.clock import Clock, utcnow
from handoff.events import QueueChanged
from handoff.ports import DeskUnitOfWork
from handoff.queue import describe
from handoff.service_clocks import CalendarSource, ServiceClocks

log = logging.getLogger(__name__)


class QueuePositionNotifier:
    """Realtime only: the position is recomputed on reconnect, so a lost update costs nothing."""

    def __init__(self, uow: Callable[[], DeskUnitOfWork], channels: ChannelRegistry, clock: Clock = utcnow,
                 calendar: CalendarSource = ServiceClocks):
        self._uow = uow
        self._channels = channels
        self._clock = clock
        self._calendar = calendar

    async def __call__(self, event: QueueChanged) -> None:
        with only_reading():
            async with self._uow() as uow:
                queue = await uow.desk.waiting()
                agents = len(await uow.desk.agents_online())
                typical = await uow.desk.typical_handle_seconds()
        now, hours = self._clock(), self._calendar().hours
        for position, conversation in enumerate(queue, start=1):
            status = describe(position, agents, typical, hours, now)
            try:
                await self._channels.get(conversation.channel).send_handoff(conversation.external_chat_id, status)
            except Exception:
                log.warning("queue update failed", extra={"conversation_id": conversation.id}, exc_info=True)
