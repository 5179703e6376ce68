"""A shop's webhook receiver on 127.0.0.1, as the README tells one to be written: it checks the
signature and the timestamp, drops an event id it has seen, and records what it accepted in
order. It can be down (503) or hang on demand."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time

from aiohttp import web

MAX_AGE_SECONDS = 300
SECRET = "whsec-0123456789abcdef"


class WebhookReceiver:
    def __init__(self, secret: str):
        self.secret = secret
        self.accepted: list[dict] = []  # first arrivals, in order
        self.duplicates = 0
        self.refused: list[str] = []  # why a request was refused (a bad signature, an old timestamp)
        self.attempts = 0
        self.down = False
        self.hang = False
        self._runner: web.AppRunner | None = None
        self._arrived = asyncio.Condition()
        self._stopping = asyncio.Event()  # a hanging request lets go when the receiver stops
        self.url = ""

    async def start(self) -> "WebhookReceiver":
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self._runner = web.AppRunner(app, shutdown_timeout=1)  # the gateway's keep-alive connection is not waited for
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/hook"
        return self

    async def stop(self) -> None:
        self._stopping.set()
        await self._runner.cleanup()

    def verified(self, timestamp: str, body: bytes, header: str) -> bool:
        expected = "sha256=" + hmac.new(self.secret.encode(), timestamp.encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, header) and abs(time.time() - int(timestamp)) <= MAX_AGE_SECONDS

    async def _hook(self, request: web.Request) -> web.Response:
        async with self._arrived:
            self.attempts += 1
            self._arrived.notify_all()
        if self.hang:
            await self._stopping.wait()
            return web.Response(status=503)
        if self.down:
            return web.Response(status=503)
        body = await request.read()
        if not self.verified(request.headers.get("X-CS-Gateway-Timestamp", "0"), body,
                             request.headers.get("X-CS-Gateway-Signature", "")):
            self.refused.append(body.decode(errors="replace")[:200])
            return web.Response(status=401)
        event = json.loads(body)
        async with self._arrived:
            if any(e["id"] == event["id"] for e in self.accepted):
                self.duplicates += 1
            else:
                self.accepted.append(event)
            self._arrived.notify_all()
        return web.Response(status=204)

    def of_type(self, event_type: str) -> list[dict]:
        return [e for e in self.accepted if e["type"] == event_type]

    async def wait_for(self, predicate, timeout: float = 20.0) -> None:
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: predicate(self)), timeout)


def webhook_settings(database_url: str, data_dir, **more):
    """A gateway that polls deliveries five times a second, retries after at most half a second,
    and may send to this receiver on 127.0.0.1."""
    from tests.conftest import make_settings

    return make_settings(database_url, data_dir, gateway_webhook_poll_seconds=0.2,
                         gateway_webhook_retry_cap_seconds=0.5, gateway_webhook_allow_private=True, **more)
