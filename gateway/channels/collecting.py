"""An output channel that keeps what it is sent: the test double and the benchmark sink."""
from __future__ import annotations

import asyncio

from gateway.conversations.channel_port import OutputChannel
from gateway.conversations.views import HandoffStatus, MessageView


class CollectingChannel(OutputChannel):
    def __init__(self, name: str = "collect"):
        self.name = name
        self.sent: list[tuple[str, MessageView | HandoffStatus]] = []
        self._arrived = asyncio.Condition()

    async def send_text(self, chat_id: str, message: MessageView) -> list[str]:
        await self._keep(chat_id, message)
        return []

    async def send_handoff(self, chat_id: str, status: HandoffStatus) -> None:
        await self._keep(chat_id, status)

    async def _keep(self, chat_id, item) -> None:
        async with self._arrived:
            self.sent.append((chat_id, item))
            self._arrived.notify_all()

    async def wait_for(self, count: int, timeout: float = 5.0) -> list:
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.sent) >= count), timeout)
            return list(self.sent)
