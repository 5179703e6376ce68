"""A real Socket.IO client for the `/chat` namespace that records what the server sends."""
from __future__ import annotations

import asyncio
from collections import defaultdict

import socketio

NS = "/chat"


class ChatClient:
    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: dict[str, list] = defaultdict(list)
        self._changed = asyncio.Condition()
        for name in ("session", "message", "handoff", "typing", "connect_error"):
            self.sio.on(name, self._recorder(name), namespace=NS)

    def _recorder(self, name):
        async def record(data=None):
            async with self._changed:
                self.events[name].append(data)
                self._changed.notify_all()

        return record

    async def connect(self, url: str, token: str | None = None, wait_session: bool = True) -> "ChatClient":
        auth = {"visitor_token": token} if token is not None else None
        await self.sio.connect(url, namespaces=[NS], auth=auth, transports=["websocket"], wait_timeout=5)
        if wait_session:
            await self.wait_for("session")
        return self

    @property
    def session(self) -> dict:
        return self.events["session"][-1]

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

    async def call(self, event: str, data=None, timeout: float = 5.0):
        return await self.sio.call(event, data, namespace=NS, timeout=timeout)

    async def send(self, text: str, client_msg_id: str):
        return await self.call("message", {"text": text, "client_msg_id": client_msg_id})

    async def close(self) -> None:
        await self.sio.disconnect()
