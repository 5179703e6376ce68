"""Webhook deliveries: the shop's systems hear about conversations, hand-offs, complaints and
ratings, signed (gateway/conversations/webhook_events.py), at least once, in order per endpoint.

Each endpoint is served by a task of its own, one delivery at a time, oldest first: a slow
or dead endpoint holds back only its own events, never chat (which has no part in this) nor
the other endpoints. A failed attempt is retried with a doubling wait, up to a cap, for 24
hours after the event; then the delivery is marked failed and the next one goes. With
several processes, a lease per endpoint lets one process serve it at a time.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Callable, Protocol

import aiohttp

from gateway.clock import Clock
from gateway.conversations.ports import Transaction, WebhookDeliveries, WebhookDelivery, only_reading
from gateway.conversations.webhook_events import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature

log = logging.getLogger(__name__)
GIVE_UP_AFTER = timedelta(hours=24)
USER_AGENT = "cs-gateway-webhooks/1"


class DeliveryUnitOfWork(Transaction, Protocol):
    webhook_deliveries: WebhookDeliveries


class EndpointLeases(Protocol):
    async def take(self, name: str) -> bool: ...

    async def release(self, name: str) -> None: ...


def backoff(attempts: int, cap_seconds: float) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 1 s, 2 s, 4 s… up to the cap."""
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), cap_seconds))


class WebhookSender:
    def __init__(self, uow: Callable[[], DeliveryUnitOfWork], clock: Clock, *, poll_seconds: float = 1.0,
                 timeout_seconds: float = 10.0, retry_cap_seconds: float = 300.0,
                 leases: EndpointLeases | None = None):
        self._uow = uow
        self._clock = clock
        self._poll = poll_seconds
        self._timeout = timeout_seconds
        self._cap = retry_cap_seconds
        self._leases = leases
        self._held: set[int] = set()  # endpoints whose lease this process holds
        self._sending: dict[int, asyncio.Task] = {}  # endpoint id -> its delivery under way
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._http: aiohttp.ClientSession | None = None

    def start(self) -> None:
        self._http = aiohttp.ClientSession(headers={"User-Agent": USER_AGENT})
        self._task = asyncio.create_task(self._run(), name="webhook-sender")

    def kick(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._sending.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._leases is not None:
            for endpoint_id in self._held:
                await self._leases.release(_lease(endpoint_id))
        if self._http is not None:
            await self._http.close()

    async def _run(self) -> None:
        while True:
            try:
                await self._dispatch()
            except Exception:  # the database may be away for a moment; the next poll tries again
                log.exception("webhook poll failed")
            try:
                await asyncio.wait_for(self._wake.wait(), self._poll)
            except TimeoutError:
                pass
            self._wake.clear()

    async def _dispatch(self) -> None:
        with only_reading():
            async with self._uow() as uow:
                heads = await uow.webhook_deliveries.heads(self._clock(), set(self._sending))
        for delivery in heads:
            if delivery.endpoint_id in self._sending or not await self._mine(delivery.endpoint_id):
                continue
            task = asyncio.create_task(self._send(delivery), name=f"webhook-{delivery.endpoint_id}")
            self._sending[delivery.endpoint_id] = task
            task.add_done_callback(lambda _t, e=delivery.endpoint_id: self._done(e))

    def _done(self, endpoint_id: int) -> None:
        self._sending.pop(endpoint_id, None)
        self.kick()  # the endpoint's next event may be waiting

    async def _mine(self, endpoint_id: int) -> bool:
        if self._leases is None or endpoint_id in self._held:
            return True
        if await self._leases.take(_lease(endpoint_id)):
            self._held.add(endpoint_id)
            return True
        return False

    async def _send(self, delivery: WebhookDelivery) -> None:
        body = delivery.body.encode()
        timestamp = int(self._clock().timestamp())
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: str(timestamp),
                   SIGNATURE_HEADER: signature(delivery.secret, timestamp, body)}
        status: int | None = None
        try:
            async with self._http.post(delivery.url, data=body, headers=headers,
                                       timeout=aiohttp.ClientTimeout(total=self._timeout)) as response:
                status = response.status
                error = "" if 200 <= status < 300 else f"HTTP {status}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        now = self._clock()
        async with self._uow() as uow:
            if not error:
                await uow.webhook_deliveries.delivered(delivery.id, status, now)
            elif now - delivery.created_at >= GIVE_UP_AFTER:
                await uow.webhook_deliveries.failed(delivery.id, status, error, now)
                log.warning("webhook delivery failed for good", extra={"delivery_id": delivery.id, "error": error})
            else:
                await uow.webhook_deliveries.retry(delivery.id, status, error, now,
                                                   now + backoff(delivery.attempts + 1, self._cap))
            await uow.commit()


def _lease(endpoint_id: int) -> str:
    return f"webhook:{endpoint_id}"
