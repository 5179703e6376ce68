"""Several gateways on one PostgreSQL database and one Redis: two `build()`s in this process,
each with its own Socket.IO server, outbox worker, SLA sweeper and lease keeper, exactly as
two processes would have. Skipped with the reason where PostgreSQL or Redis is absent."""
from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from gateway.storage.tables import ConversationEvent, Handoff, Lease
from knowledge_base.entry import KbEntryIn
from tests.agent_client import AgentClient
from tests.chat_client import ChatClient
from tests.conftest import make_settings, start_server
from tests.e2e.test_handoff import login, rows
from tests.fake_telegram import telegram_settings

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="session")
def redis_available() -> str | None:
    async def probe():
        import redis.asyncio as redis

        client = redis.from_url(REDIS_URL, socket_connect_timeout=2)
        try:
            await client.ping()
        finally:
            await client.aclose()

    try:
        asyncio.run(probe())
        return None
    except Exception as exc:
        return f"Redis not reachable at {REDIS_URL} ({type(exc).__name__}: {exc})"


async def pair(url, tmp_path, encoders, **overrides):
    common = dict(gateway_redis_url=REDIS_URL, gateway_lease_seconds=3, gateway_kb_refresh_seconds=0.3,
                  **overrides)
    first = await start_server(make_settings(url, tmp_path / "a", **common), encoders)
    second = await start_server(make_settings(url, tmp_path / "b", **common), encoders)
    return first, second


@pytest.fixture
async def two(postgres_url, redis_available, tmp_path, encoders):
    if redis_available:
        pytest.skip(redis_available)
    first, second = await pair(postgres_url, tmp_path, encoders)
    yield first, second
    await first.stop()
    await second.stop()


@pytest.fixture
async def two_on_a_short_clock(postgres_url, redis_available, tmp_path, encoders):
    if redis_available:
        pytest.skip(redis_available)
    first, second = await pair(postgres_url, tmp_path, encoders, gateway_first_response_sla_seconds=2,
                               gateway_sla_sweep_seconds=0.1)
    yield first, second
    await first.stop()
    await second.stop()


async def test_a_customer_on_one_process_and_an_agent_on_the_other_talk(two):
    a, b = two
    agent = await AgentClient().connect(b.url, await login(b, "ann", "agent"))
    customer = await ChatClient().connect(a.url)
    try:
        await customer.send("转人工", "c-1")
        conversation_id = customer.session["conversation_id"]
        await agent.wait_for("queue", lambda q: any(c["id"] == conversation_id for c in q["conversations"]))
        assert await agent.call("claim", {"conversation_id": conversation_id}) == {"status": "assigned"}
        assigned = await customer.wait_for("handoff", lambda h: h["state"] == "assigned")
        assert assigned["agent_name"] == "ann"
        await agent.call("reply", {"conversation_id": conversation_id, "text": "您好，我在另一台进程上。"})
        await customer.wait_for("message", lambda m: m["sender"] == "agent")
        await customer.send("好的", "c-2")
        await agent.wait_for("message", lambda m: m.get("text") == "好的")
        await asyncio.sleep(0.5)
        # Every message reached the customer once, although both processes run outbox workers.
        counts = Counter(m["id"] for m in customer.events["message"])
        assert counts and max(counts.values()) == 1, counts
    finally:
        await agent.close()
        await customer.close()


async def test_each_deadline_is_acted_on_by_one_process(two_on_a_short_clock):
    a, b = two_on_a_short_clock
    supervisor = await AgentClient().connect(a.url, await login(a, "sue", "supervisor"))
    customers = [await ChatClient().connect((a, b)[n % 2].url) for n in range(4)]
    try:
        for n, customer in enumerate(customers):
            await customer.send("I want to talk to a human", f"c-{n}")
        ids = {c.session["conversation_id"] for c in customers}
        await supervisor.wait_count("sla_breach", 4, lambda e: e["conversation_id"] in ids, timeout=10)
        await asyncio.sleep(1.0)  # time for a second process to alert again, if it were going to
        breaches = Counter(e["conversation_id"] for e in supervisor.events["sla_breach"])
        warnings = Counter((e["conversation_id"], e["percent"]) for e in supervisor.events["sla_warning"])
        assert breaches == Counter({cid: 1 for cid in ids})
        assert warnings == Counter({(cid, p): 1 for cid in ids for p in (50, 80)})
        assert all(h.breached_at is not None for h in await rows(a, Handoff))
    finally:
        await supervisor.close()
        for customer in customers:
            await customer.close()


async def test_each_waiting_conversation_is_assigned_once(two):
    a, b = two
    agents = [await AgentClient().connect(server.url, await login(server, name, "agent"))
              for server, name in ((a, "ann"), (b, "bob"))]
    customers = [await ChatClient().connect((a, b)[n % 2].url) for n in range(6)]
    try:
        for n, customer in enumerate(customers):
            await customer.send("转人工", f"c-{n}")
        for agent in agents:  # both sweepers now try to hand out the queue at once
            assert await agent.call("presence", {"status": "online", "capacity": 3}) == {
                "status": "online", "capacity": 3}
        for customer in customers:
            await customer.wait_for("handoff", lambda h: h["state"] == "assigned", timeout=10)
        await asyncio.sleep(1.0)
        assignments = [e for e in await rows(a, ConversationEvent, to_status="assigned")]
        assert len(assignments) == 6
        assert len({e.conversation_id for e in assignments}) == 6  # none assigned twice
        per_agent = Counter(e.reason for e in assignments)
        assert per_agent == Counter({"assigned to ann": 3, "assigned to bob": 3})  # capacity 3 each
    finally:
        for client in (*agents, *customers):
            await client.close()


def bot_replies(customer) -> list[dict]:
    return [m for m in customer.events["message"] if m["sender"] == "bot"]


async def test_a_kb_edit_on_one_process_reaches_the_bot_on_the_other(two):
    a, b = two
    knowledge = a.gateway.knowledge
    entry = await knowledge.get("shipping-fee-zh")
    update = {**entry, "answer": "新规：全场满58元包邮，不满收6元运费。"}
    await knowledge.update("shipping-fee-zh", KbEntryIn(**{k: v for k, v in update.items()
                                                           if k in KbEntryIn.model_fields}),
                           "editor:erin", entry["version"])
    customer = await ChatClient().connect(b.url)
    try:
        for attempt in range(40):  # bounded: the other process checks every 0.3 s
            answered = len(bot_replies(customer))
            await customer.send("运费多少钱？", f"c-{attempt}")
            await customer.wait_count("message", answered + 1, lambda m: m["sender"] == "bot", timeout=10)
            if "满58元包邮" in bot_replies(customer)[-1]["text"]:
                break
            await asyncio.sleep(0.3)
        assert "满58元包邮" in bot_replies(customer)[-1]["text"]
    finally:
        await customer.close()


async def test_only_one_process_polls_telegram_and_another_takes_over_when_it_stops(
        postgres_url, redis_available, tmp_path, encoders, fake_telegram):
    if redis_available:
        pytest.skip(redis_available)
    fake = fake_telegram
    servers = [await start_server(telegram_settings(
        postgres_url, tmp_path / name, fake, gateway_redis_url=REDIS_URL, gateway_lease_seconds=2), encoders)
        for name in ("a", "b")]
    try:
        fake.text("运费多少钱？")
        await fake.wait_for_text("运费")
        await asyncio.sleep(3)  # several polling rounds with both processes up
        assert fake.conflicts == 0  # a second poller would have been told 409
        # One read: under load the lease may pass from one process to the other (the fake
        # saw no second poller), and two reads could see it held by both.
        owner = await _polling_owner(servers[0])
        [holder] = [s for s in servers if s.gateway.worker._leases.owner == owner]
        await holder.stop()
        servers.remove(holder)
        fake.text("how long does delivery take?", user={"id": 3003, "is_bot": False, "first_name": "Kim"})
        await fake.wait_for(lambda c: c.method == "sendMessage" and c.params["chat_id"] == "3003", timeout=20,
                            what="an answer from the process that took over")
        assert len(fake.sent_texts_containing("运费")) == 1
    finally:
        for server in servers:
            await server.stop()


async def _polling_owner(server) -> str | None:
    async with server.gateway.session_factory() as s:
        lease = await s.get(Lease, "telegram:polling")
    return lease.owner if lease is not None else None
