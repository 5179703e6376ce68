"""GET /metrics after real web-chat conversations: a live server, real Socket.IO clients."""
import asyncio

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.agent_client import AgentClient
from tests.chat_client import ChatClient
from tests.conftest import make_settings, start_server

PASSWORD = "correct horse battery"


async def scrape(server) -> tuple[dict, str]:
    """Samples by (name, sorted labels) and the raw text; no login: scrapers cannot log in."""
    async with aiohttp.ClientSession() as http:
        async with http.get(server.url + "/metrics") as r:
            assert r.status == 200
            assert r.headers["Content-Type"].startswith("text/plain; version=")  # the text exposition format
            body = await r.text()
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(body) for s in family.samples}
    return samples, body


async def eventually(server, check, timeout=5.0) -> dict:
    """Scrapes until `check(samples)` holds: a send is counted just after the channel accepted it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        samples, _ = await scrape(server)
        if check(samples) or asyncio.get_running_loop().time() > deadline:
            return samples
        await asyncio.sleep(0.05)


def out(channel, sender):
    return ("gateway_messages_out_total", (("channel", channel), ("sender", sender)))


IN_WEB = ("gateway_messages_in_total", (("channel", "web"),))
QUEUE = ("gateway_queue_length", ())
DECISIONS = ("gateway_bot_decision_seconds_count", ())


def handoffs(reason):
    return ("gateway_handoffs_total", (("reason", reason),))


async def test_metrics_count_a_real_web_chat_conversation(server):
    before, _ = await scrape(server)
    assert before[IN_WEB] == 0 and before[QUEUE] == 0 and before[handoffs("human_request")] == 0

    await server.gateway.accounts.add_user("zoltan7", "agent", PASSWORD)
    token, _ = await server.gateway.accounts.login("zoltan7", PASSWORD)
    agent = await AgentClient().connect(server.url, token)
    customer = await ChatClient().connect(server.url)
    try:
        await customer.send("运费怎么算？", "c-1")
        await customer.wait_for("message", lambda m: m["sender"] == "bot")
        await customer.send("转人工", "c-2")
        await customer.wait_for("handoff", lambda h: h["state"] == "queued")
        await customer.wait_for("message", lambda m: m["sender"] == "system")
        samples = await eventually(server, lambda s: s[out("web", "system")] == 1 and s[out("web", "bot")] == 2)
        assert samples[IN_WEB] == 2
        assert samples[out("web", "bot")] == 2  # the answer, and the hand-off message
        assert samples[out("web", "system")] == 1  # "you are number 1 in the queue"
        assert samples[handoffs("human_request")] == 1 and samples[handoffs("complaint")] == 0
        assert samples[QUEUE] == 1  # read from the database at scrape time
        assert samples[DECISIONS] == 2
        assert 0 < samples[("gateway_bot_decision_seconds_sum", ())] < 10
        assert samples[("gateway_bot_decision_seconds_bucket", (("le", "+Inf"),))] == 2
        assert samples[("gateway_sla_breaches_total", ())] == 0

        conversation_id = customer.session["conversation_id"]
        await agent.call("claim", {"conversation_id": conversation_id})
        await agent.call("reply", {"conversation_id": conversation_id, "text": "您好，请问有什么可以帮您？"})
        await customer.wait_for("message", lambda m: m["sender"] == "agent")
        samples = await eventually(server, lambda s: s[out("web", "agent")] == 1)
        assert samples[out("web", "agent")] == 1 and samples[QUEUE] == 0
        assert samples[DECISIONS] == 2  # a person's conversation gets no bot turn

        _, body = await scrape(server)
        # Aggregates only: nothing that names a conversation, a customer or what anyone wrote.
        assert conversation_id not in body and "运费" not in body and "zoltan7" not in body
    finally:
        await agent.close()
        await customer.close()


async def test_sla_breaches_are_counted_and_each_gateway_counts_its_own(tmp_path, encoders, server):
    # A database of its own: on a shared one, `server`'s sweeper could stamp the breach first.
    (tmp_path / "sla").mkdir()
    sla1 = await start_server(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'sla' / 'gateway.db'}", tmp_path / "sla",
                                            gateway_first_response_sla_seconds=1, gateway_sla_sweep_seconds=0.1),
                              encoders)
    customer = await ChatClient().connect(sla1.url)
    try:
        await customer.send("I want to talk to a human", "c-1")
        await customer.wait_for("handoff", lambda h: h["state"] == "queued")
        samples = await eventually(sla1, lambda s: s[("gateway_sla_breaches_total", ())] == 1, timeout=6)
        assert samples[("gateway_sla_breaches_total", ())] == 1
        assert samples[IN_WEB] == 1 and samples[QUEUE] == 1
        await asyncio.sleep(0.4)
        assert (await scrape(sla1))[0][("gateway_sla_breaches_total", ())] == 1  # once, not once a sweep
        other, _ = await scrape(server)  # another gateway in this process: its own registry
        assert other[IN_WEB] == 0 and other[("gateway_sla_breaches_total", ())] == 0
    finally:
        await customer.close()
        await sla1.stop()


async def test_copies_of_one_question_are_searched_once(server):
    """A sale's worth of customers asking the same thing: the bot searches it once."""
    customers = [await ChatClient().connect(server.url) for _ in range(5)]
    try:
        for n, customer in enumerate(customers):
            assert (await customer.send("How long does delivery take?", f"same-{n}"))["status"] == "stored"
        for customer in customers:
            await customer.wait_for("message", lambda m: m["sender"] == "bot", timeout=30)
        samples, _ = await scrape(server)
        assert samples[("gateway_bot_search_memo_misses", ())] == 1
        assert samples[("gateway_bot_search_memo_hits", ())] == 4
    finally:
        for customer in customers:
            await customer.close()
