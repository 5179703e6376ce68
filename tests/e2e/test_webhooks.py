"""Webhooks on a live gateway with a real receiver on 127.0.0.1 (tests/fake_webhook_receiver.py):
each event arrives once, signed; a receiver that was down gets everything after, in order;
one that hangs holds back only itself."""
from __future__ import annotations

import asyncio
import time

import pytest

from tests.chat_client import ChatClient
from tests.conftest import start_server
from tests.e2e.test_service_hours import login
from tests.e2e.test_workspace_api import call, claimed, handed_off
from tests.fake_webhook_receiver import SECRET, WebhookReceiver, webhook_settings

DOWN_SECONDS = 30
EVENTS = ["conversation.handed_off", "conversation.assigned", "conversation.resolved", "complaint.registered",
          "csat.received"]


@pytest.fixture
async def live(sqlite_url, tmp_path, encoders):
    server = await start_server(webhook_settings(sqlite_url, tmp_path, gateway_webhook_timeout_seconds=30), encoders)
    yield server
    await server.stop()


async def register(server, admin: str, url: str, events=EVENTS, secret=SECRET, trusted=False) -> dict:
    status, body = await call(server, "POST", "/api/webhooks", admin,
                              {"url": url, "secret": secret, "events": events, "trusted": trusted})
    assert status == 201, body
    return body


async def test_a_hand_off_a_complaint_and_a_rating_each_arrive_once_and_signed(live, receiver):
    admin, agent = await login(live, "ada", "admin"), await login(live, "amy", "agent")
    await register(live, admin, receiver.url)
    customer, conversation_id = await handed_off(live, "转人工", "我的手机号是13812345678，订单一直没到")
    try:
        await claimed(live, agent, conversation_id)
        status, complaint = await call(live, "POST", "/api/complaints", agent, {
            "conversation_id": conversation_id, "category": "logistics", "severity": "ordinary", "demand": "refund"})
        assert status == 201, complaint
        assert (await call(live, "POST", f"/api/conversations/{conversation_id}/resolve", agent))[0] == 200
        await customer.wait_for("csat_request", timeout=10)
        assert await customer.call("csat", {"score": 5, "comment": "很快，电话13812345678"}) == {"status": "stored"}

        await receiver.wait_for(lambda r: len(r.accepted) == len(EVENTS))
        assert [e["type"] for e in receiver.accepted] == ["conversation.handed_off", "conversation.assigned",
                                                         "complaint.registered", "conversation.resolved",
                                                         "csat.received"]
        assert receiver.refused == [] and receiver.duplicates == 0
        handoff, = receiver.of_type("conversation.handed_off")
        assert handoff["data"]["conversation_id"] == conversation_id and handoff["data"]["kind"] == "human_request"
        assert receiver.of_type("complaint.registered")[0]["data"]["complaint_id"] == complaint["id"]
        rating, = receiver.of_type("csat.received")
        assert rating["data"]["score"] == 5
        assert "13812345678" not in rating["data"]["comment"]  # an endpoint not marked trusted gets it masked
        assert len({e["id"] for e in receiver.accepted}) == len(EVENTS)
    finally:
        await customer.close()


async def test_a_receiver_that_was_down_for_30_seconds_gets_every_event_afterwards_in_order(live, receiver):
    admin = await login(live, "ada", "admin")
    endpoint = await register(live, admin, receiver.url, events=["conversation.handed_off"])
    receiver.down = True
    went_down = time.monotonic()
    customers = []
    try:
        for n in range(3):
            customers.append(await handed_off(live, "转人工", f"第{n}个问题"))
        await receiver.wait_for(lambda r: r.attempts >= 4)  # tried, and tried again, while down
        await asyncio.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - went_down)))
        # Still trying at the end of the spell (the waits here are capped at half a second).
        assert receiver.accepted == [] and receiver.attempts >= 20
        receiver.down = False
        await receiver.wait_for(lambda r: len(r.accepted) == 3)
        assert [e["data"]["conversation_id"] for e in receiver.accepted] == [c for _, c in customers]
        assert receiver.duplicates == 0

        # The admin sees how each went, and sends one again: the same event, which the receiver drops.
        status, body = await call(live, "GET", f"/api/webhooks/{endpoint['id']}/deliveries", admin)
        assert status == 200
        first = body["deliveries"][-1]
        assert [d["status"] for d in body["deliveries"]] == ["delivered"] * 3
        assert first["attempts"] >= 2 and first["last_status"] == 204 and first["event_id"] == receiver.accepted[0]["id"]
        status, again = await call(live, "POST", f"/api/webhooks/deliveries/{first['id']}/resend", admin)
        assert status == 200 and again["status"] == "pending"
        await receiver.wait_for(lambda r: r.duplicates == 1)
        assert len(receiver.accepted) == 3
        assert (await call(live, "POST", "/api/webhooks/deliveries/999999/resend", admin))[0] == 404
        assert (await call(live, "GET", "/api/webhooks/999999/deliveries", admin))[0] == 404
        _, trail = await call(live, "GET", "/api/audit?type=webhook", admin)
        assert trail["entries"][0]["action"] == "resend"
    finally:
        for customer, _ in customers:
            await customer.close()


async def test_a_receiver_that_hangs_holds_back_only_itself(live, receiver):
    admin = await login(live, "ada", "admin")
    stuck = await WebhookReceiver(SECRET).start()
    try:
        stuck.hang = True
        await register(live, admin, stuck.url, events=["conversation.handed_off"])
        await register(live, admin, receiver.url, events=["conversation.handed_off"])
        chat = await ChatClient().connect(live.url)
        try:
            ack = await chat.send("转人工", "c-1")
            assert ack.get("status") == "stored"
            # Well inside the stuck request's 30 s: the healthy receiver does not wait for it.
            await stuck.wait_for(lambda r: r.attempts >= 1, timeout=10)
            await receiver.wait_for(lambda r: len(r.accepted) == 1, timeout=3)
            assert stuck.attempts == 1 and stuck.accepted == []
        finally:
            await chat.close()
    finally:
        stuck.hang = False
        await stuck.stop()
