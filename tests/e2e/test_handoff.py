"""Hand-off to people end to end: real chat and console Socket.IO clients, a real server."""
import asyncio
import aiohttp
import pytest
from sqlalchemy import select

from gateway.storage.tables import AuditRecord, Complaint, ComplaintClock, CsatResponse, GuardHit, Handoff
from tests.agent_client import AgentClient
from tests.chat_client import ChatClient
from tests.conftest import make_settings, start_server

PASSWORD = "correct horse battery"


async def login(server, username, role) -> str:
    await server.gateway.accounts.add_user(username, role, PASSWORD)
    token, _ = await server.gateway.accounts.login(username, PASSWORD)
    return token


async def rows(server, model, **where):
    async with server.gateway.session_factory() as s:
        return list((await s.execute(select(model).filter_by(**where))).scalars().all())


@pytest.fixture
async def sla3(sqlite_url, tmp_path, encoders):
    live = await start_server(make_settings(sqlite_url, tmp_path, gateway_first_response_sla_seconds=3,
                                            gateway_sla_sweep_seconds=0.2), encoders)
    yield live
    await live.stop()


async def test_customer_to_agent_and_back_with_csat(server):
    agent_token = await login(server, "ann", "agent")
    agent = await AgentClient().connect(server.url, agent_token)
    customer = await ChatClient().connect(server.url)
    try:
        await customer.send("运费怎么算？", "c-1")
        await customer.wait_for("message", lambda m: m["sender"] == "bot")
        await customer.send("转人工", "c-2")
        queued = await customer.wait_for("handoff", lambda h: h["state"] == "queued")
        assert queued["position"] == 1
        conversation_id = customer.session["conversation_id"]
        notified = await agent.wait_for("queue", lambda q: any(c["id"] == conversation_id for c in q["conversations"]))
        entry = next(c for c in notified["conversations"] if c["id"] == conversation_id)
        assert entry["handoff"]["kind"] == "human_request" and entry["last_customer_message"] == "转人工"

        assert await agent.call("claim", {"conversation_id": conversation_id}) == {"status": "assigned"}
        assigned = await customer.wait_for("handoff", lambda h: h["state"] == "assigned")
        assert assigned["agent_name"] == "ann"

        sent = await agent.call("reply", {"conversation_id": conversation_id, "text": "您好，我是客服小安，请问有什么可以帮您？"})
        assert "message" in sent
        reply = await customer.wait_for("message", lambda m: m["sender"] == "agent")
        assert reply["text"].startswith("您好，我是客服小安")
        [handoff] = await rows(server, Handoff, conversation_id=conversation_id)
        assert handoff.first_response_at is not None and handoff.breached_at is None

        await customer.send("好的，谢谢", "c-3")
        heard = await agent.wait_for("message", lambda m: m.get("text") == "好的，谢谢")
        assert heard["conversation_id"] == conversation_id

        assert await agent.call("resolve", {"conversation_id": conversation_id}) == {"status": "resolved"}
        await customer.wait_for("handoff", lambda h: h.get("state") == "resolved")
        await customer.wait_for("csat_request")
        assert await customer.call("csat", {"score": 5, "comment": "很快"}) == {"status": "stored"}
        assert (await customer.call("csat", {"score": 1}))["error"]["code"] == "conflict"  # once per hand-off
        [csat] = await rows(server, CsatResponse, conversation_id=conversation_id)
        assert (csat.score, csat.comment, csat.handoff_id) == (5, "很快", handoff.id)
    finally:
        await agent.close()
        await customer.close()


async def test_a_bad_csat_is_refused(server):
    customer = await ChatClient().connect(server.url)
    try:
        assert (await customer.call("csat", {"score": 9}))["error"]["code"] == "invalid_payload"
        assert (await customer.call("csat", {"score": 3}))["error"]["code"] == "conflict"  # nothing resolved
    finally:
        await customer.close()


async def test_a_complaint_is_registered_with_its_id_and_clocks(server):
    customer = await ChatClient().connect(server.url)
    try:
        await customer.send("你们卖的茶叶发霉了，我要退款，不处理我就打12315投诉！", "c-1")
        await customer.wait_for("handoff", lambda h: h["state"] == "queued")
        [complaint] = await rows(server, Complaint)
        assert complaint.id == f"{complaint.created_at:%Y%m%d}-WEB-0001"
        assert (complaint.category, complaint.severity, complaint.demand) == ("product", "major", "refund")
        clocks = {c.kind: c.due_at - complaint.created_at for c in await rows(server, ComplaintClock)}
        assert {k: v.total_seconds() / 3600 for k, v in clocks.items()} == {"supervisor": 1, "process": 4, "update": 24}
        [handoff] = await rows(server, Handoff)
        assert handoff.priority == 0 and handoff.kind == "major_complaint"
        [registered] = await rows(server, AuditRecord, object_type="complaint")
        assert (registered.actor, registered.action, registered.object_id) == ("bot", "registered", complaint.id)
    finally:
        await customer.close()


async def test_sla_warnings_and_breach_on_a_3_second_clock(sla3):
    token = await login(sla3, "sue", "supervisor")
    supervisor = await AgentClient().connect(sla3.url, token)
    customer = await ChatClient().connect(sla3.url)
    try:
        await customer.send("I want to talk to a human", "c-1")
        await customer.wait_for("handoff", lambda h: h["state"] == "queued")
        [handoff] = await rows(sla3, Handoff)
        warning50 = await supervisor.wait_for("sla_warning", lambda w: w["percent"] == 50, timeout=6)
        warning80 = await supervisor.wait_for("sla_warning", lambda w: w["percent"] == 80, timeout=6)
        breach = await supervisor.wait_for("sla_breach", lambda b: "complaint_id" not in b, timeout=6)
        assert warning50["conversation_id"] == warning80["conversation_id"] == breach["conversation_id"]
        [handoff] = await rows(sla3, Handoff)
        assert abs((handoff.warned_50_at - handoff.queued_at).total_seconds() - 1.5) <= 1
        assert abs((handoff.breached_at - handoff.first_response_due_at).total_seconds()) <= 1
        await asyncio.sleep(0.6)
        assert len(supervisor.events["sla_breach"]) == 1  # recorded once, not once a sweep
    finally:
        await supervisor.close()
        await customer.close()


async def test_a_restart_between_hand_off_and_deadline_still_breaches_on_time(sqlite_url, tmp_path, encoders):
    settings = make_settings(sqlite_url, tmp_path, gateway_first_response_sla_seconds=3,
                             gateway_sla_sweep_seconds=0.2)
    first = await start_server(settings, encoders)
    customer = await ChatClient().connect(first.url)
    await customer.send("转人工", "c-1")
    await customer.wait_for("handoff", lambda h: h["state"] == "queued")
    await customer.close()
    await first.stop()  # down for most of the clock

    await asyncio.sleep(1.5)
    second = await start_server(settings, encoders)
    try:
        for _ in range(50):
            [handoff] = await rows(second, Handoff)
            if handoff.breached_at:
                break
            await asyncio.sleep(0.1)
        assert handoff.breached_at is not None
        assert abs((handoff.breached_at - handoff.first_response_due_at).total_seconds()) <= 1
    finally:
        await second.stop()


async def test_auto_assignment_respects_presence_and_capacity(server):
    tokens = {name: await login(server, name, "agent") for name in ("amy", "bob", "cat")}
    principals = {name: await server.gateway.accounts.principal(t) for name, t in tokens.items()}
    desk = server.gateway.desk
    await desk.set_presence(principals["amy"], "online", capacity=1)
    await desk.set_presence(principals["bob"], "online", capacity=2)
    await desk.set_presence(principals["cat"], "away", capacity=10)
    customers = [await ChatClient().connect(server.url) for _ in range(4)]
    try:
        for i, c in enumerate(customers):
            await c.send("人工客服", f"c-{i}")
            await c.wait_for("handoff", lambda h: h["state"] == "queued")
        await desk.auto_assign()
        async with server.gateway.session_factory() as s:
            from gateway.storage.tables import Conversation
            owners = [c.assignee_id for c in (await s.execute(select(Conversation))).scalars().all()]
        by = {name: owners.count(p.user_id) for name, p in principals.items()}
        assert by == {"amy": 1, "bob": 2, "cat": 0}  # one waits: nobody online has room
        assert owners.count(None) == 1
    finally:
        for c in customers:
            await c.close()


async def claimed(server, agent_name: str, words: str):
    """A customer who asked for a person with `words`, and an agent on /agent who claimed them."""
    agent = await AgentClient().connect(server.url, await login(server, agent_name, "agent"))
    customer = await ChatClient().connect(server.url)
    await customer.send(words, "c-1")
    await customer.wait_for("handoff", lambda h: h["state"] == "queued")
    conversation_id = customer.session["conversation_id"]
    await agent.call("claim", {"conversation_id": conversation_id})
    return agent, customer, conversation_id


async def test_the_reply_guard_warns_and_logs_before_sending(server):
    agent, customer, conversation_id = await claimed(server, "dan", "转人工 我的手机 13812345678")
    try:
        refused = await agent.call("reply", {"conversation_id": conversation_id, "text": "不知道，这不归我们管"})
        assert refused["error"]["code"] == "needs_confirmation"
        assert {w["kind"] for w in refused["error"]["warnings"]} == {"brush_off"}
        leaked = await agent.call("reply", {"conversation_id": conversation_id,
                                            "text": "已记录您的手机 13812345678，另一位客户 13987654321 也反馈了"})
        assert [w["excerpt"] for w in leaked["error"]["warnings"]] == ["139****4321"]
        sent = await agent.call("reply", {"conversation_id": conversation_id, "text": "不知道，这不归我们管",
                                          "confirm": True})
        assert "message" in sent
        hits = await rows(server, GuardHit, conversation_id=conversation_id)
        assert [(h.kind, h.sent_anyway) for h in hits] == [
            ("brush_off", False), ("brush_off", False), ("foreign_personal_data", False),
            ("brush_off", True), ("brush_off", True)]
        await asyncio.sleep(0.3)
        assert [m["text"] for m in customer.events["message"] if m["sender"] == "agent"] == ["不知道，这不归我们管"]
    finally:
        await agent.close()
        await customer.close()


@pytest.fixture
async def guarded(sqlite_url, tmp_path, encoders):
    live = await start_server(make_settings(sqlite_url, tmp_path, gateway_reply_guard_model=True), encoders)
    yield live
    await live.stop()


async def test_the_guard_model_warns_about_a_threat_worded_without_the_lexicons_words(guarded):
    agent, customer, conversation_id = await claimed(guarded, "eve", "转人工")
    try:
        threat = "像您这样到处写差评的人，我们都记着呢，以后您在这边买东西可就没那么顺利了"
        refused = await agent.call("reply", {"conversation_id": conversation_id, "text": threat})
        assert refused["error"]["code"] == "needs_confirmation"
        [warning] = refused["error"]["warnings"]
        assert warning["kind"] in ("threat", "mockery", "insult") and warning["excerpt"] == threat
        polite = await agent.call("reply", {"conversation_id": conversation_id,
                                            "text": "您好，我这边马上帮您查一下物流，请稍等两分钟"})
        assert "message" in polite and polite["warnings"] == []
    finally:
        await agent.close()
        await customer.close()


PROTECTED = [("GET", "/api/conversations"), ("GET", "/api/conversations/x"), ("POST", "/api/conversations/x/claim"),
             ("POST", "/api/conversations/x/reply"), ("POST", "/api/conversations/x/note"),
             ("POST", "/api/conversations/x/transfer"), ("POST", "/api/conversations/x/resolve"),
             ("POST", "/api/agents/me/presence"), ("GET", "/api/complaints"), ("POST", "/api/complaints"),
             ("POST", "/api/complaints/x")]


@pytest.mark.parametrize("method,path", PROTECTED)
async def test_desk_routes_need_a_login_and_the_right_role(server, method, path):
    editor = await login(server, "eve", "editor")
    agent = await login(server, "al", "agent")
    async with aiohttp.ClientSession() as http:
        async with http.request(method, server.url + path, json={}) as r:
            assert r.status == 401
        async with http.request(method, server.url + path, json={},
                                headers={"Authorization": f"Bearer {editor}"}) as r:
            assert r.status == 403
        if path == "/api/complaints":
            async with http.get(server.url + path, headers={"Authorization": f"Bearer {agent}"}) as r:
                assert r.status == 403


async def test_the_console_namespace_refuses_strangers_and_editors(server):
    editor = await login(server, "ed", "editor")
    for token in ("nonsense", editor):
        client = AgentClient()
        with pytest.raises(Exception):
            await client.connect(server.url, token)
        await client.sio.disconnect()
        assert client.events["connect_error"][-1]["data"]["code"] in ("unauthorized", "forbidden")


async def answered_then_queued(server, asking: str) -> ChatClient:
    """A customer the bot answered about shipping, who then asked for a person with `asking`."""
    customer = await ChatClient().connect(server.url)
    await customer.send("how much is shipping?", "c-1")
    await customer.wait_for("message", lambda m: m["sender"] == "bot")
    await customer.send(asking, "c-2")
    await customer.wait_for("handoff", lambda h: h["state"] == "queued")
    return customer


async def test_the_context_package_has_what_the_agent_needs(server):
    token = await login(server, "sam", "supervisor")
    customer = await answered_then_queued(server, "this is useless, get me a real person")
    try:
        conversation_id = customer.session["conversation_id"]
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{server.url}/api/conversations/{conversation_id}",
                                headers={"Authorization": f"Bearer {token}"}) as r:
                context = await r.json()
        assert [m["sender"] for m in context["transcript"]][:3] == ["customer", "bot", "customer"]
        assert context["bot_attempts"][0]["decision"] == "answer"
        assert context["bot_attempts"][0]["results"][0]["id"] == "shipping-fee-en"
        assert context["handoff"]["reason"] == "customer asked for a person"
        assert context["customer"]["identities"][0]["channel"] == "web"
        assert "shipping-fee-en" in context["summary"]
    finally:
        await customer.close()


async def test_the_context_package_is_written_in_the_readers_language_over_the_recorded_prose(server):
    english, chinese = await login(server, "sam", "supervisor"), await login(server, "mei", "supervisor")
    await server.gateway.accounts.set_language((await server.gateway.accounts.principal(chinese)).user_id, "zh-CN")
    customer = await answered_then_queued(server, "转人工")
    try:
        path = f"{server.url}/api/conversations/{customer.session['conversation_id']}"
        packages = {}
        async with aiohttp.ClientSession() as http:
            for name, token in (("en", english), ("zh-CN", chinese)):
                async with http.get(path, headers={"Authorization": f"Bearer {token}"}) as r:
                    packages[name] = await r.json()
        en, zh = packages["en"], packages["zh-CN"]
        # The record is the same for both readers: the bot's own English prose.
        assert en["handoff"]["reason"] == zh["handoff"]["reason"] == "customer asked for a person"
        assert [a["reason"] for a in en["bot_attempts"]] == [a["reason"] for a in zh["bot_attempts"]]
        assert en["handoff"]["reason_text"] == "customer asked for a person"
        assert zh["handoff"]["reason_text"] == "顾客要求转人工"
        assert [a["reason_text"] for a in zh["bot_attempts"]][1] == "顾客要求转人工"
        assert zh["bot_attempts"][0]["reason_text"].startswith("有把握（")
        assert en["summary"].startswith("customer asked for a person; 2 customer message(s); last: \u201c转人工\u201d")
        assert "the bot answered with shipping-fee-en (" in en["summary"]
        assert zh["summary"].startswith("顾客要求转人工；顾客消息 2 条；最后一条：\u201c转人工\u201d")
        assert "机器人用 shipping-fee-en (" in zh["summary"]
        assert not [w for w in ("customer", "message", "answered", "bot") if w in zh["summary"]]
        # Nothing was rewritten to serve the Chinese reader.
        [handoff] = await rows(server, Handoff)
        assert handoff.reason == "customer asked for a person"
    finally:
        await customer.close()


async def test_agents_open_complaints_meet_clocks_and_close_with_a_root_cause(server):
    agent = await login(server, "kim", "agent")
    supervisor = await login(server, "sol", "supervisor")
    customer = await ChatClient().connect(server.url)
    try:
        ack = await customer.send("转人工，我的包裹到了但少了一罐茶", "c-1")
        await customer.wait_for("handoff", lambda h: h["state"] == "queued")
        conversation_id = customer.session["conversation_id"]
        async with aiohttp.ClientSession() as http:
            async def call(method, path, token, body=None):
                async with http.request(method, server.url + path, json=body,
                                        headers={"Authorization": f"Bearer {token}"}) as r:
                    return r.status, await r.json()

            status, opened = await call("POST", "/api/complaints", agent, {
                "conversation_id": conversation_id, "category": "logistics", "severity": "ordinary",
                "demand": "exchange", "evidence_message_ids": [ack["id"]]})
            assert status == 201 and opened["id"].endswith("-WEB-0001") and opened["demand"] == "exchange"
            assert [c["kind"] for c in opened["clocks"]] == ["contact", "plan"]
            cid = opened["id"]
            status, _ = await call("POST", f"/api/complaints/{cid}", agent, {"clock_met": "supervisor"})
            assert status == 422  # an ordinary complaint has no supervisor clock
            status, body = await call("POST", f"/api/complaints/{cid}", agent, {"clock_met": "plan"})
            assert status == 200 and next(c for c in body["clocks"] if c["kind"] == "plan")["met_at"]
            status, _ = await call("POST", f"/api/complaints/{cid}", agent, {"status": "closed"})
            assert status == 422  # no root cause
            status, closed = await call("POST", f"/api/complaints/{cid}", agent,
                                        {"status": "closed", "root_cause": "packing station skipped a can"})
            assert status == 200 and closed["status"] == "closed"
            status, _ = await call("POST", f"/api/complaints/{cid}", agent, {"status": "open"})
            assert status == 409
            status, listed = await call("GET", "/api/complaints?status=closed", supervisor)
            assert [c["id"] for c in listed["complaints"]] == [cid]
            status, _ = await call("POST", "/api/complaints", agent, {
                "conversation_id": conversation_id, "category": "logistics", "severity": "ordinary",
                "evidence_message_ids": [999999]})
            assert status == 422  # evidence from another conversation
    finally:
        await customer.close()
