"""The shop's order API over HTTP: the order lookup port's adapter (`GATEWAY_ORDER_LOOKUP_*`).

`GET <url with {order_id}>` with `Authorization: Bearer <token>` answers 200 with
`{"order_id", "status", "carrier", "tracking_number", "expected_date", "phone_last4"}` or 404.
Anything else, an answer that does not say that, or no answer within the timeout is a failed
lookup, which the bot hands to a person: a customer never waits longer than the timeout for it.
"""
from __future__ import annotations

import asyncio
import json
import re
from datetime import date
from urllib.parse import quote

import aiohttp

from bot.order_status import FAILED, FOUND, NOT_FOUND, TIMED_OUT, Lookup, Order

# An order is a few hundred bytes; more is not an order, and is not read into memory.
LARGEST_ANSWER = 64 * 1024
_LAST4 = re.compile(r"[0-9]{4}")


class ShopOrderApi:
    def __init__(self, url_template: str, token: str | None, timeout_seconds: float):
        self._url = url_template
        self._token = token
        self._timeout = timeout_seconds
        self._session: aiohttp.ClientSession | None = None

    async def find(self, order_id: str) -> Lookup:
        url = self._url.replace("{order_id}", quote(order_id, safe=""))
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            async with asyncio.timeout(self._timeout):
                async with self._client().get(url, headers=headers, allow_redirects=False) as response:
                    if response.status == 404:
                        return Lookup(NOT_FOUND)
                    if response.status != 200:
                        return Lookup(FAILED, error=f"HTTP {response.status}")
                    raw = await _read_at_most(response, LARGEST_ANSWER + 1)
        except TimeoutError:
            return Lookup(TIMED_OUT, error=f"no answer within {self._timeout:g} s")
        except aiohttp.ClientError as exc:
            return Lookup(FAILED, error=type(exc).__name__)
        if len(raw) > LARGEST_ANSWER:
            return Lookup(FAILED, error="answer too large")
        try:
            return Lookup(FOUND, parse_order(json.loads(raw), order_id))
        except (ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError
            return Lookup(FAILED, error=f"unexpected answer: {exc}")

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running loop; no cookies, so one order's answer cannot
        # shape the next request.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(),
                                                  timeout=aiohttp.ClientTimeout(total=self._timeout))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


async def _read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body, or its first `limit` bytes or a little more: `read(n)` alone returns whatever
    has arrived so far, which for a body sent in parts is not all of it."""
    raw = bytearray()
    async for chunk in response.content.iter_chunked(16 * 1024):
        raw += chunk
        if len(raw) >= limit:
            break
    return bytes(raw)


def parse_order(body, asked: str) -> Order:
    """The shop's answer as an order, or ValueError saying what is wrong with it."""
    if not isinstance(body, dict):
        raise ValueError("not a JSON object")
    order_id = _text(body, "order_id", required=True)
    # Another order than the one asked for (a shop search that matched loosely) is not shown.
    if order_id.casefold() != asked.casefold():
        raise ValueError("an answer about another order")
    last4 = body.get("phone_last4")
    if not isinstance(last4, str) or not _LAST4.fullmatch(last4):
        raise ValueError("phone_last4 is not four digits")
    expected = _text(body, "expected_date")
    return Order(order_id=order_id, status=_text(body, "status", required=True), carrier=_text(body, "carrier"),
                 tracking_number=_text(body, "tracking_number"),
                 expected_date=date.fromisoformat(expected[:10]) if expected else None, phone_last4=last4)


def _text(body: dict, name: str, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"{name} is missing")
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError(f"{name} is not text")
    return str(value).strip()[:200]
