"""A fake Telegram Bot API server on 127.0.0.1: aiogram talks real HTTP to it.

It keeps unconfirmed updates the way Telegram does (until a `getUpdates` offset passes
them), records every call, can answer a method with scripted errors (a 429 with
`retry_after`), and can go down and come back on the same port.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field

from aiohttp import web

TOKEN = "123456:TEST-token_for-the-fake"
BOT_USER = {"id": 42, "is_bot": True, "first_name": "Shop", "username": "shop_bot"}
CUSTOMER = {"id": 1001, "is_bot": False, "first_name": "Lin", "last_name": "Wei", "username": "linwei_tea",
            "language_code": "zh-hans"}
MAX_LONG_POLL = 2.0  # whatever the client asks, so a test never waits long on a poll


@dataclass
class Call:
    method: str
    params: dict
    at: float = field(default_factory=time.monotonic)
    result: object = None


class FakeBotApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.offsets: list[int | None] = []
        self.pending: list[dict] = []  # unconfirmed updates
        self._replays: list[dict] = []  # served once more whatever the offset
        self._scripted: dict[str, list[tuple[int, dict]]] = {}
        self._update_ids = itertools.count(500)
        self._message_ids = itertools.count(9000)
        self._news = asyncio.Event()
        self.down = False
        self.conflicts = 0
        self._long_polls = 0
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.port = 0

    # -- lifecycle ----------------------------------------------------------------------
    async def start(self) -> "FakeBotApi":
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        await self._listen()
        return self

    async def _listen(self) -> None:
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await self._site.start()
        self.port = self._runner.addresses[0][1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def go_down(self) -> None:
        """Connections refused from now on; requests on open connections are cut."""
        self.down = True
        self._news.set()
        await self._site.stop()

    async def come_back(self) -> None:
        await self._listen()
        self.down = False

    async def stop(self) -> None:
        self._news.set()
        await self._runner.cleanup()

    # -- what a test arranges -----------------------------------------------------------
    def push(self, update: dict) -> dict:
        update = {"update_id": next(self._update_ids), **update}
        self.pending.append(update)
        self._news.set()
        return update

    def redeliver(self, update: dict) -> None:
        self._replays.append(update)
        self._news.set()

    def script(self, method: str, *responses: tuple[int, dict]) -> None:
        """The next calls of `method` get these (status, body) answers, in turn."""
        self._scripted.setdefault(method, []).extend(responses)

    def message(self, text: str | None = None, *, user: dict = CUSTOMER, **extra) -> dict:
        body = {"message_id": next(self._message_ids), "date": int(time.time()),
                "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
                "from": user, **extra}
        if text is not None:
            body["text"] = text
        return body

    def text(self, text: str, **kw) -> dict:
        return self.push({"message": self.message(text, **kw)})

    def photo(self, caption: str | None = None, **kw) -> dict:
        sizes = [{"file_id": f"photo-{n}", "file_unique_id": f"u-{n}", "width": w, "height": w, "file_size": w * 90}
                 for n, w in ((1, 90), (2, 320), (3, 1280))]
        extra = {"caption": caption} if caption else {}
        return self.push({"message": self.message(photo=sizes, **extra, **kw)})

    def edit(self, original: dict, text: str) -> dict:
        edited = {**original["message"], "text": text, "edit_date": int(time.time()) + 1}
        return self.push({"edited_message": edited})

    def press(self, sent: Call, button_text: str, *, user: dict = CUSTOMER, chat_id: int | None = None) -> dict:
        """A press of one button of a sent keyboard; `chat_id` forges the chat it came from."""
        markup = json.loads(sent.params["reply_markup"])
        data = next(b["callback_data"] for row in markup["inline_keyboard"] for b in row
                    if b["text"] == button_text)
        return self.push({"callback_query": {
            "id": f"cb-{next(self._message_ids)}", "from": user, "chat_instance": "ci", "data": data,
            "message": {"message_id": int(sent.result["message_id"]), "date": int(time.time()),
                        "chat": {"id": chat_id or int(sent.params["chat_id"]), "type": "private"},
                        "from": BOT_USER, "text": sent.params["text"]}}})

    # -- what a test reads ----------------------------------------------------------------
    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == method
                and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)]

    def sent_texts_containing(self, fragment: str) -> list[Call]:
        return [c for c in self.sent() if fragment in c.params.get("text", "")]

    async def wait_for(self, predicate, timeout: float = 15.0, what: str = "a call"):
        """The first recorded call matching `predicate`, polling for at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for call in self.calls:
                if predicate(call):
                    return call
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {what} within {timeout} s; calls: {[(c.method, c.params) for c in self.calls]}")

    async def wait_for_text(self, fragment: str, timeout: float = 15.0) -> Call:
        return await self.wait_for(lambda c: c.method == "sendMessage" and fragment in c.params.get("text", ""),
                                   timeout, f"sendMessage containing {fragment!r}")

    # -- the API ----------------------------------------------------------------------
    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if self.down:
            request.transport.close()  # as if the network were gone
            return web.Response(status=503)
        method = request.match_info["method"]
        params = dict(await request.post()) if request.method == "POST" else dict(request.query)
        call = Call(method, {k: v for k, v in params.items() if isinstance(v, str)})
        self.calls.append(call)
        if self._scripted.get(method):
            status, body = self._scripted[method].pop(0)
            call.result = body
            return web.json_response(body, status=status)
        if method == "getUpdates" and self._long_polls:
            self.conflicts += 1  # Telegram allows one poller per bot, and says so
            return web.json_response({"ok": False, "error_code": 409, "description":
                                      "Conflict: terminated by other getUpdates request"}, status=409)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        result = await handler(call.params)
        call.result = result
        return web.json_response({"ok": True, "result": result})

    async def _api_getMe(self, params):
        return BOT_USER

    async def _api_getUpdates(self, params):
        offset = int(params["offset"]) if params.get("offset") else None
        self.offsets.append(offset)
        if offset is not None:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]  # confirmed ones go
        wait = min(float(params.get("timeout") or 0), MAX_LONG_POLL)
        if not self.pending and not self._replays and wait:
            self._news.clear()
            self._long_polls += 1
            try:
                await asyncio.wait_for(self._news.wait(), wait)
            except asyncio.TimeoutError:
                pass
            finally:
                self._long_polls -= 1
        batch, self._replays = self._replays + list(self.pending), []
        return batch

    async def _api_sendMessage(self, params):
        return {"message_id": next(self._message_ids), "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"}, "from": BOT_USER,
                "text": params["text"]}

    async def _true(self, params):
        return True

    _api_sendChatAction = _api_answerCallbackQuery = _api_setWebhook = _api_deleteWebhook = _true
    _api_editMessageReplyMarkup = _true


def telegram_settings(url: str, data_dir, fake: FakeBotApi, **overrides):
    """A gateway with Telegram on, pointed at `fake`, polling in one-second rounds."""
    from tests.conftest import make_settings

    return make_settings(url, data_dir, telegram_bot_token=TOKEN, telegram_api_base=fake.url,
                         telegram_poll_timeout_seconds=1, **overrides)
