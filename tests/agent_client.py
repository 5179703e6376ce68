"""A real Socket.IO client for the `/agent` namespace that records what the server sends."""
from __future__ import annotations

import asyncio
from collections import defaultdict

import socketio

NS = "/agent"


class AgentClient:
    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: dict[str, list] = defaultdict(list)
        self._changed = asyncio.Condition()
        for name in ("queue", "conversation_assigned", "message", "sla_warning", "sla_breach", "typing",
                     "connect_error"):
            self.sio.on(name, self._recorder(name), namespace=NS)

    def _recorder(self, name):
        async def record(data=None):
            async with self._changed:
                self.events[name].append(data)
                self._changed.notify_all()
        return record

    async def connect(self, url: str, token: str) -> "AgentClient":
        await self.sio.connect(url, namespaces=[NS], auth={"token": token}, transports=["websocket"], wait_timeout=5)
        return self

    async def wait_for(self, name: str, predicate=lambda e: True, timeout: float = 5.0):
        def found():
            return next((e for e in self.events[name] if predicate(e)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), timeout)
            return found()

    async def call(self, event: str, data=None, timeout: float = 10.0):
        return await self.sio.call(event, data, namespace=NS, timeout=timeout)

    async def close(self) -> None:
        await self.sio.disconnect()
