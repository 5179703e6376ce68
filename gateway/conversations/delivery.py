"""Outbound: a stored message or status goes out through its conversation's own channel."""
from __future__ import annotations

from gateway.channels.base import ChannelRegistry
from gateway.conversations.views import HandoffStatus
from gateway.storage.repository import message_view
from gateway.storage.unit_of_work import UnitOfWorkFactory


class Delivery:
    def __init__(self, uow_factory: UnitOfWorkFactory, channels: ChannelRegistry):
        self._uow = uow_factory
        self._channels = channels

    async def message(self, payload: dict) -> None:
        async with self._uow() as uow:
            row = await uow.conversations.message(int(payload["message_id"]))
            view = message_view(row)
        await self._channels.get(payload["channel"]).send_text(payload["chat_id"], view)

    async def csat_request(self, payload: dict) -> None:
        await self._channels.get(payload["channel"]).send_csat_request(payload["chat_id"])

    async def handoff(self, payload: dict) -> None:
        status = HandoffStatus(**payload["status"])
        await self._channels.get(payload["channel"]).send_handoff(payload["chat_id"], status)
