"""A shop's order API on 127.0.0.1, as `GATEWAY_ORDER_LOOKUP_URL` expects one: `GET
/api/orders/{order_id}` with the bearer token answers the order or 404. It can fail (500) or
hang on demand, for every order or for one."""
from __future__ import annotations

import asyncio

from aiohttp import web


class ShopApi:
    def __init__(self, token: str, orders: list[dict]):
        self.token = token
        self.orders = {o["order_id"]: o for o in orders}
        self.failing: set[str] = set()  # order ids answered with a 500
        self.hanging: set[str] = set()  # order ids never answered (until the shop stops)
        self.requests: list[str] = []  # order ids asked for, in order
        self.refused = 0  # requests without the right token
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> "ShopApi":
        app = web.Application()
        app.router.add_get("/api/orders/{order_id}", self._order)
        self._runner = web.AppRunner(app, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        return self

    @property
    def lookup_url(self) -> str:
        return self.url + "/api/orders/{order_id}"

    async def stop(self) -> None:
        self._stopping.set()
        await self._runner.cleanup()

    async def _order(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            self.refused += 1
            return web.json_response({"error": "unauthorized"}, status=401)
        order_id = request.match_info["order_id"]
        self.requests.append(order_id)
        if order_id in self.hanging:
            await self._stopping.wait()
        if order_id in self.failing:
            return web.json_response({"error": "database unavailable"}, status=500)
        order = self.orders.get(order_id)
        if order is None:
            return web.json_response({"error": "no such order"}, status=404)
        return web.json_response(order)
