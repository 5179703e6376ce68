"""The conversation's own webhook events on a live gateway, to a real receiver on 127.0.0.1: a
new conversation, the transcript as it is written (customer, bot, agent), and the SLA's warnings
and breach, on a 5-second first-response clock."""
from __future__ import annotations

import pytest

from tests.conftest import start_server
from tests.e2e.test_service_hours import login
from tests.e2e.test_webhooks import register
from tests.e2e.test_workspace_api import call, claimed, handed_off
from tests.fake_webhook_receiver import webhook_settings

NEW_EVENTS = ["conversation.created", "message.created", "sla.warning", "sla.breached"]


@pytest.fixture
async def live_sla(sqlite_url, tmp_path, encoders):
    """Deliveries polled five times a second; a first response due 5 s after the hand-off, swept
    five times a second: the 80 % mark leaves a whole second before the deadline, so a late
    sweep on a loaded machine still sends that warning."""
    server = await start_server(webhook_settings(sqlite_url, tmp_path, gateway_first_response_sla_seconds=5,
                                                 gateway_sla_sweep_seconds=0.2), encoders)
    yield server
    await server.stop()


async def test_a_conversation_its_transcript_and_its_sla_reach_a_receiver(live_sla, receiver):
    live = live_sla
    admin, agent = await login(live, "ada", "admin"), await login(live, "amy", "agent")
    await register(live, admin, receiver.url, events=NEW_EVENTS)
    customer, conversation_id = await handed_off(live, "转人工", "我的手机号是13812345678，订单一直没到")
    try:
        # Nobody answers within 5 s: warned at half and four fifths of it, then breached.
        await receiver.wait_for(lambda r: r.of_type("sla.breached"), timeout=10)
        await claimed(live, agent, conversation_id)
        status, sent = await call(live, "POST", f"/api/conversations/{conversation_id}/reply", agent,
                                  {"text": "您好，我来帮您查一下订单。"})
        assert status == 200, sent
        await receiver.wait_for(lambda r: any(m["data"]["sender"] == "agent" for m in r.of_type("message.created")))

        assert receiver.refused == [] and receiver.duplicates == 0
        assert receiver.accepted[0]["type"] == "conversation.created"  # before anything said in it
        created = receiver.accepted[0]["data"]
        assert created["conversation_id"] == conversation_id and created["channel"] == "web"
        assert created["customer_id"] and created["created_at"]

        transcript = [m["data"] for m in receiver.of_type("message.created")]
        assert {m["conversation_id"] for m in transcript} == {conversation_id}
        senders = [m["sender"] for m in transcript]
        assert senders[0] == "customer" and senders[-1] == "agent" and "bot" in senders
        assert "system" not in senders  # the queue notice is not part of the transcript
        asked = [m["text"] for m in transcript if m["sender"] == "customer"]
        assert asked[0] == "转人工" and "订单一直没到" in asked[1]
        assert "13812345678" not in asked[1]  # an endpoint not marked trusted gets it masked
        reply = transcript[-1]
        assert reply["message_id"] == sent["message"]["id"] and reply["text"] == "您好，我来帮您查一下订单。"
        assert isinstance(reply["agent_id"], int)
        assert len({m["message_id"] for m in transcript}) == len(transcript)

        warnings = [w["data"] for w in receiver.of_type("sla.warning")]
        [breach] = [b["data"] for b in receiver.of_type("sla.breached")]
        assert [w["mark"] for w in warnings] == [0.5, 0.8]
        assert {(e["conversation_id"], e["kind"], e["handoff_id"], e["first_response_due_at"])
                for e in [*warnings, breach]} == {(conversation_id, "first_response", breach["handoff_id"],
                                                   breach["first_response_due_at"])}
        assert warnings[0]["warned_at"] <= warnings[1]["warned_at"] <= breach["breached_at"]
        assert not receiver.of_type("conversation.handed_off")  # not subscribed to
    finally:
        await customer.close()
