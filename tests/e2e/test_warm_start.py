"""A gateway takes chat before its bot is ready: messages are stored and acked while the
models load, `/readyz` says the bot is warming, and the bot answers each waiting message
once it is ready. The models here load only when the test opens a gate."""
import asyncio
import threading

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
import pytest
from sqlalchemy import func, select

from gateway.storage.tables import Message
from knowledge_base.encoders import Encoder
from tests.chat_client import ChatClient
from tests.doubles import MemoizingEncoder
from tests.conftest import make_settings, start_server

pytestmark = pytest.mark.timeout(180)


class GatedEncoder(MemoizingEncoder):
    """A real encoder whose weights take as long to load as the test says."""

    def __init__(self, inner: Encoder, gate: threading.Event):
        super().__init__(inner)
        self._gate = gate

    def _load(self) -> None:
        if not self._gate.wait(timeout=120):
            raise TimeoutError("the test never opened the gate")
        super()._load()


async def gated_server(url, tmp_path, encoders, gate: threading.Event):
    """A gateway whose models load only once `gate` is set; it does not wait for them."""
    return await start_server(make_settings(url, tmp_path), [GatedEncoder(e, gate) for e in encoders],
                              wait_for_bot=False)


async def readiness(live) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.get(live.url + "/readyz") as r:
        return r.status, await r.json()


async def count(live, sender: str) -> int:
    async with live.gateway.session_factory() as s:
        return (await s.execute(select(func.count()).select_from(Message).where(Message.sender == sender))).scalar_one()


async def until(check, tries: int = 200) -> bool:
    """Whether `check()` came true within a bounded number of looks, 50 ms apart."""
    for _ in range(tries):
        if await check():
            return True
        await asyncio.sleep(0.05)
    return False


async def outbox_waiting(live) -> float:
    async with aiohttp.ClientSession() as http, http.get(live.url + "/metrics") as r:
        body = await r.text()
    return next(s.value for f in text_string_to_metric_families(body) for s in f.samples
                if s.name == "gateway_outbox_waiting")


async def test_chat_is_taken_while_the_bot_warms_and_answered_once_it_is_ready(database_url, tmp_path, encoders):
    gate = threading.Event()
    live = await gated_server(database_url, tmp_path, encoders, gate)
    customers = []
    try:
        status, body = await readiness(live)
        assert status == 200 and body["checks"]["bot"] == "warming" and body["checks"]["database"] == "ok"

        for n, question in enumerate(["How much is shipping?", "怎么退货？", "Do you ship abroad?"]):
            customer = await ChatClient().connect(live.url)
            customers.append(customer)
            assert (await customer.send(question, f"c-{n}"))["status"] == "stored"
        assert await count(live, "customer") == 3
        # The gate is shut, so no model can have read a question: nothing has been answered.
        assert await count(live, "bot") == 0
        assert not live.gateway.knowledge.is_ready
        assert await outbox_waiting(live) == 3  # the three turns wait there, as /metrics shows

        gate.set()
        for customer in customers:
            reply = await customer.wait_for("message", lambda m: m["sender"] == "bot", timeout=60)
            assert reply["text"]
        status, body = await readiness(live)
        assert status == 200 and body["checks"]["bot"] == "ok"
        assert await count(live, "bot") == 3  # each waiting message answered once
        # The replies' deliveries are marked done just after they are sent.
        async def drained() -> bool:
            return await outbox_waiting(live) == 0

        assert await until(drained), "the outbox did not drain"
    finally:
        gate.set()
        for customer in customers:
            await customer.close()
        await live.stop()


async def test_a_turn_that_waited_long_goes_back_to_the_outbox_and_is_retried(sqlite_url, tmp_path, encoders,
                                                                              monkeypatch):
    from gateway import bootstrap
    from gateway.storage.tables import OutboxItem

    monkeypatch.setattr(bootstrap, "BOT_WARMING_WAIT_SECONDS", 0.2)
    gate = threading.Event()
    live = await gated_server(sqlite_url, tmp_path, encoders, gate)
    customer = await ChatClient().connect(live.url)
    try:
        assert (await customer.send("How much is shipping?", "c-1"))["status"] == "stored"

        async def turn_given_back() -> bool:
            async with live.gateway.session_factory() as s:
                item = (await s.execute(select(OutboxItem).where(OutboxItem.kind == "bot_turn"))).scalar_one()
            return item.attempts >= 1 and item.done_at is None and "warming" in (item.last_error or "")

        assert await until(turn_given_back), "the waiting turn was not handed back to the outbox"
        gate.set()
        reply = await customer.wait_for("message", lambda m: m["sender"] == "bot", timeout=60)
        assert reply["text"]
    finally:
        gate.set()
        await customer.close()
        await live.stop()


async def test_a_knowledge_base_search_before_the_bot_is_ready_waits_then_says_so(sqlite_url, tmp_path, encoders,
                                                                                 monkeypatch):
    from gateway.web import kb_routes

    monkeypatch.setattr(kb_routes, "WARMING_WAIT_SECONDS", 0.2)
    gate = threading.Event()
    live = await gated_server(sqlite_url, tmp_path, encoders, gate)
    try:
        await live.gateway.accounts.add_user("ann", "agent", "correct horse battery")
        token, _ = await live.gateway.accounts.login("ann", "correct horse battery")
        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession() as http:
            async with http.post(live.url + "/api/kb/search", json={"text": "How much is shipping?"},
                                 headers=headers) as r:
                assert r.status == 503 and r.headers["Retry-After"] == "5"
                assert (await r.json())["error"]["code"] == "warming"
            gate.set()
            await live.gateway.knowledge.ready()
            async with http.post(live.url + "/api/kb/search", json={"text": "How much is shipping?"},
                                 headers=headers) as r:
                assert r.status == 200 and (await r.json())["decision"] == "answer"
    finally:
        gate.set()
        await live.stop()


async def test_a_customer_who_wrote_three_times_while_the_bot_warmed_gets_one_answer(sqlite_url, tmp_path, encoders):
    gate = threading.Event()
    live = await gated_server(sqlite_url, tmp_path, encoders, gate)
    customer = await ChatClient().connect(live.url)
    try:
        for n, text in enumerate(["hi", "I ordered yesterday", "how long does delivery take?"]):
            assert (await customer.send(text, f"c-{n}"))["status"] == "stored"
        gate.set()
        reply = await customer.wait_for("message", lambda m: m["sender"] == "bot", timeout=60)
        await live.gateway.knowledge.ready()
        async with live.gateway.session_factory() as s:
            [stored] = (await s.execute(select(Message).where(Message.sender == "bot"))).scalars().all()
        assert stored.id == reply["id"] and len(stored.meta["answers"]) == 3  # read together, answered once
    finally:
        gate.set()
        await customer.close()
        await live.stop()
