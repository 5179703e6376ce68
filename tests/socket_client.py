"""A real Socket.IO client for one namespace that records every event the server sends."""
from __future__ import annotations

import asyncio
from collections import defaultdict

import socketio


class RecordingClient:
    namespace: str
    recorded: tuple[str, ...]

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: dict[str, list] = defaultdict(list)
        self._changed = asyncio.Condition()
        for name in (*self.recorded, "connect_error"):
            self.sio.on(name, self._recorder(name), namespace=self.namespace)

    def _recorder(self, name):
        async def record(data=None):
            async with self._changed:
                self.events[name].append(data)
                self._changed.notify_all()

        return record

    async def _connect(self, url: str, auth: dict | None) -> None:
        await self.sio.connect(url, namespaces=[self.namespace], auth=auth, transports=["websocket"], wait_timeout=5)

    async def wait_for(self, name: str, predicate=lambda e: True, timeout: float = 5.0):
        def found():
            return next((e for e in self.events[name] if predicate(e)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), timeout)
            return found()

    async def wait_count(self, name: str, count: int, predicate=lambda e: True, timeout: float = 5.0) -> list:
        def matching():
            return [e for e in self.events[name] if predicate(e)]

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(matching()) >= count), timeout)
            return matching()

    async def call(self, event: str, data=None, timeout: float = 10.0):
        return await self.sio.call(event, data, namespace=self.namespace, timeout=timeout)

    async def close(self) -> None:
        await self.sio.disconnect()
