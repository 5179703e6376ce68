"""A web-chat customer for the load benchmarks: one browser tab on `/chat`."""
from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter

import numpy as np
import socketio

NAMESPACE = "/chat"


class Customer:
    """One browser tab. Deliberately thinner than tests/chat_client.py (no event log, no
    condition variable): with 2,000 of them in one loop, client overhead is part of what
    is measured, so it is kept to a future per awaited event."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.sio = socketio.AsyncClient(reconnection=False)
        self.session = loop.create_future()
        self.reply: asyncio.Future | None = None
        self.handed_off = False
        self.sio.on("session", self._on_session, namespace=NAMESPACE)
        self.sio.on("message", self._on_message, namespace=NAMESPACE)
        self.sio.on("handoff", self._on_handoff, namespace=NAMESPACE)

    def _on_session(self, data=None):
        if not self.session.done():
            self.session.set_result(time.perf_counter())

    def _on_message(self, data=None):
        # The customer's own message comes back too (other tabs see it); the reply is the
        # first message from anyone else after the send.
        sender = data.get("sender") if isinstance(data, dict) else None
        if sender != "customer" and self.reply is not None and not self.reply.done():
            self.reply.set_result(time.perf_counter())

    def _on_handoff(self, data=None):
        self.handed_off = True

    async def connect(self, url: str, timeout: float) -> float:
        t0 = time.perf_counter()
        await self.sio.connect(url, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=timeout)
        return await asyncio.wait_for(asyncio.shield(self.session), timeout) - t0

    async def send(self, text: str, problems: Counter, timeout: float) -> tuple[object, bool]:
        """(the ack, or None with the problem counted; whether the socket can go on)."""
        try:
            return await self.sio.call("message", {"text": text, "client_msg_id": uuid.uuid4().hex},
                                       namespace=NAMESPACE, timeout=timeout), True
        except socketio.exceptions.TimeoutError:
            problems["ack timeout"] += 1
            return None, True
        except socketio.exceptions.SocketIOError as exc:
            problems[f"send failed: {type(exc).__name__}"] += 1
            return None, False

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.sio.disconnect(), 10)
        except Exception:
            pass


def percentile_ms(seconds: list[float], q: float) -> float:
    return float(np.percentile(seconds, q)) * 1000 if seconds else float("nan")


async def connect_all(customers: list, urls: list[str], problems: Counter, timeout: float, concurrency: int,
                      times: list[float] | None = None) -> list:
    """The customers that connected, spread over the servers; a connect storm would only
    measure the listen backlog, so at most `concurrency` connect at once."""
    gate = asyncio.Semaphore(concurrency)

    async def connect(i: int, c):
        async with gate:
            try:
                took = await c.connect(urls[i % len(urls)], timeout)
            except Exception as exc:
                problems[f"connect failed: {type(exc).__name__}"] += 1
                return None
            if times is not None:
                times.append(took)
            return c

    return [c for c in await asyncio.gather(*(connect(i, c) for i, c in enumerate(customers))) if c]
