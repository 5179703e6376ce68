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
import ipaddress
import logging
from datetime import timedelta
from urllib.parse import urlsplit
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
                 leases: EndpointLeases | None = None, allow_private: bool = False):
        self._uow = uow
        self._clock = clock
        self._poll = poll_seconds
        self._timeout = timeout_seconds
        self._cap = retry_cap_seconds
        self._leases = leases
        self._allow_private = allow_private
        self._sending: dict[int, asyncio.Task] = {}  # endpoint id -> its delivery under way
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._http: aiohttp.ClientSession | None = None

    def start(self) -> None:
        # One connection per receiver and no cap in all: a hundred hanging endpoints must not
        # use up the connections the others need; no cookies carried from one receiver to another.
        self._http = aiohttp.ClientSession(headers={"User-Agent": USER_AGENT},
                                           connector=aiohttp.TCPConnector(limit=0, limit_per_host=1),
                                           cookie_jar=aiohttp.DummyCookieJar())
        self._task = asyncio.create_task(self._run(), name="webhook-sender")

    def kick(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._sending.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
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
            task.add_done_callback(lambda t, e=delivery.endpoint_id: self._done(e, t))

    def _done(self, endpoint_id: int, task: asyncio.Task) -> None:
        self._sending.pop(endpoint_id, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("webhook delivery not recorded", exc_info=task.exception())
        self.kick()  # the endpoint's next event may be waiting

    async def _mine(self, endpoint_id: int) -> bool:
        """Taken again before every delivery (the owner's take renews it): a process that lost
        the lease while stalled must not go on sending beside the one that took it over."""
        return self._leases is None or await self._leases.take(_lease(endpoint_id))

    async def _public(self, url: str) -> None:
        """Receivers are the shop's systems on the internet: an address inside this network (the
        database, a metadata service) is refused unless the operator allows it. Checked as the
        name resolves now; a name that resolves otherwise at connect time is not caught."""
        if self._allow_private:
            return
        host = urlsplit(url).hostname or ""
        infos = await asyncio.get_running_loop().getaddrinfo(host, None)
        if any(_refused(info[4][0]) for info in infos):
            raise PrivateAddress(f"{host} is a private or local address")

    async def _send(self, delivery: WebhookDelivery) -> None:
        body = delivery.body.encode()
        timestamp = int(self._clock().timestamp())
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: str(timestamp),
                   SIGNATURE_HEADER: signature(delivery.secret, timestamp, body)}
        status: int | None = None
        try:
            await self._public(delivery.url)
            # Not followed: a redirect would carry the signed body elsewhere, or turn it into a GET.
            async with self._http.post(delivery.url, data=body, headers=headers, allow_redirects=False,
                                       timeout=aiohttp.ClientTimeout(total=self._timeout)) as response:
                status = response.status
                error = "" if 200 <= status < 300 else f"HTTP {status}"
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # whatever it was, the attempt is recorded, or the line would stall
            error = f"{type(exc).__name__}: {exc}"[:500]
        now = self._clock()
        async with self._uow() as uow:
            if not error:
                await uow.webhook_deliveries.delivered(delivery.id, status, now)
            elif now - delivery.tried_since >= GIVE_UP_AFTER:
                await uow.webhook_deliveries.failed(delivery.id, status, error, now)
                log.warning("webhook delivery failed for good", extra={"delivery_id": delivery.id, "error": error})
            else:
                await uow.webhook_deliveries.retry(delivery.id, status, error, now,
                                                   now + backoff(delivery.attempts + 1, self._cap))
            await uow.commit()


class PrivateAddress(ValueError):
    pass


def _refused(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast \
        or ip.is_unspecified


def _lease(endpoint_id: int) -> str:
    return f"webhook:{endpoint_id}"
