"""Real Socket.IO clients against a real gateway on 127.0.0.1."""
import asyncio
import logging
import time

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from gateway.channels.visitor_tokens import VisitorTokens
from gateway.clock import utcnow
from gateway.conversations.model import Status, plan_transition
from gateway.storage.tables import Conversation, Message
from tests.chat_client import ChatClient
from tests.conftest import make_settings, start_server
from tests.tokens import SALT, token_signed_long_ago

HANDOFF_ZH = "正在为您转接人工客服，请稍候。"


async def count_messages(server, **where) -> int:
    async with server.gateway.session_factory() as s:
        return (await s.execute(select(func.count()).select_from(Message).filter_by(**where))).scalar_one()


@pytest.fixture
async def client(server):
    c = await ChatClient().connect(server.url)
    yield c
    await c.close()


async def test_a_new_visitor_gets_a_session_with_a_token(client):
    assert client.session["visitor_token"] and len(client.session["conversation_id"]) == 32


async def test_the_ack_comes_after_the_message_is_stored(server, client):
    ack = await client.send("运费怎么算？", "c-1")
    assert ack["status"] == "stored"
    async with server.gateway.session_factory() as s:
        stored = await s.get(Message, ack["id"])
    assert stored is not None and stored.text == "运费怎么算？" and stored.sender == "customer"


async def test_a_faq_is_answered_with_feedback_buttons(client):
    await client.send("How much is shipping?", "c-1")
    reply = await client.wait_for("message", lambda m: m["sender"] == "bot")
    assert "¥8" in reply["text"]
    assert reply["quick_replies"] == ["Helpful", "Not helpful", "Talk to a person"]
    assert not client.events["handoff"]


async def test_asking_for_a_person_hands_off_and_the_queue_is_announced(client):
    await client.send("转人工", "c-1")
    reply = await client.wait_for("message", lambda m: m["sender"] == "bot")
    assert reply["text"] == HANDOFF_ZH
    assert reply["conversation_id"] == client.session["conversation_id"]
    handoff = await client.wait_for("handoff")
    assert handoff == {"state": "queued", "position": 1, "agents_online": 0, "notice": "nobody_online"}
    typing = await client.wait_for("typing")
    assert typing == {"sender": "bot"}


async def test_a_repeated_client_msg_id_is_one_message_and_one_reply(server, client):
    first = await client.send("hello", "same-id")
    second = await client.send("hello", "same-id")
    assert second["id"] == first["id"] and second.get("duplicate") is True
    await client.wait_for("message", lambda m: m["sender"] == "bot")
    await asyncio.sleep(0.3)  # room for a second reply, were one coming
    assert len([m for m in client.events["message"] if m["sender"] == "bot"]) == 1
    assert await count_messages(server, sender="customer") == 1


async def test_history_is_replayed_after_a_server_restart(sqlite_url, tmp_path, encoders):
    settings = make_settings(sqlite_url, tmp_path)
    first = await start_server(settings, encoders)
    port = int(first.url.rsplit(":", 1)[1])
    c = await ChatClient().connect(first.url)
    await c.send("order 1234: I want a real person", "c-1")
    await c.wait_for("handoff")
    token, conversation_id = c.session["visitor_token"], c.session["conversation_id"]
    await c.close()
    await first.stop()

    second = await start_server(settings, encoders, port=port)
    try:
        again = await ChatClient().connect(second.url, token=token)
        assert again.session["conversation_id"] == conversation_id
        replay = await again.wait_count("message", 3)
        assert [m["sender"] for m in replay] == ["customer", "bot", "system"]
        assert replay[0]["text"] == "order 1234: I want a real person"
        assert replay[0]["client_msg_id"] == "c-1"
        assert await again.wait_for("handoff") == {"state": "queued", "position": 1, "agents_online": 0,
                                                   "notice": "nobody_online"}
        await again.close()
    finally:
        await second.stop()


async def test_two_visitors_never_see_each_others_messages(server):
    alice = await ChatClient().connect(server.url)
    bob = await ChatClient().connect(server.url)
    try:
        await alice.send("alice's address is 1 Lotus Road", "a-1")
        await bob.send("bob here", "b-1")
        await alice.wait_for("message", lambda m: m["sender"] == "bot")
        await bob.wait_for("message", lambda m: m["sender"] == "bot")
        await asyncio.sleep(0.3)
        assert alice.session["conversation_id"] != bob.session["conversation_id"]
        assert all(m["conversation_id"] == bob.session["conversation_id"] for m in bob.events["message"])
        assert not any("alice" in m["text"] for m in bob.events["message"])
        assert all(m["conversation_id"] == alice.session["conversation_id"] for m in alice.events["message"])
    finally:
        await alice.close()
        await bob.close()


async def test_a_second_tab_of_the_same_visitor_sees_the_conversation(server, client):
    tab = await ChatClient().connect(server.url, token=client.session["visitor_token"])
    try:
        ack = await client.send("from tab one", "t-1")
        echoed = await tab.wait_for("message", lambda m: m["id"] == ack["id"])
        assert echoed["text"] == "from tab one"
    finally:
        await tab.close()


@pytest.mark.parametrize(
    "data,code",
    [
        ({"text": "x" * 4097, "client_msg_id": "c-1"}, "invalid_payload"),
        ({"text": "", "client_msg_id": "c-1"}, "invalid_payload"),
        ({"text": "   ", "client_msg_id": "c-1"}, "invalid_payload"),
        ({"text": ["not", "text"], "client_msg_id": "c-1"}, "invalid_payload"),
        ({"text": "hi", "client_msg_id": 5}, "invalid_payload"),
        ({"text": "hi"}, "invalid_payload"),
        ("just a string", "invalid_payload"),
        ([1, 2, 3], "invalid_payload"),
        (None, "invalid_payload"),
    ],
)
async def test_bad_messages_get_an_error_ack_store_nothing_and_the_connection_stays(server, client, data, code):
    ack = await client.call("message", data)
    assert ack["error"]["code"] == code and ack["error"]["message"]
    assert await count_messages(server) == 0
    assert (await client.send("still here", "ok-1"))["status"] == "stored"


async def test_an_unknown_event_gets_an_error_ack(server, client):
    ack = await client.call("drop_tables", {"x": 1})
    assert ack == {"error": {"code": "unknown_event", "message": "unknown event 'drop_tables'"}}
    assert (await client.send("still here", "ok-1"))["status"] == "stored"


async def refused(server, token) -> dict:
    c = ChatClient()
    with pytest.raises(Exception):
        await c.connect(server.url, token=token)
    await c.sio.disconnect()
    error = c.events["connect_error"][-1]
    assert error["message"]
    return error["data"]


async def test_a_forged_token_is_refused(server, client):
    token = client.session["visitor_token"]
    forged = token[:-3] + ("xyz" if not token.endswith("xyz") else "abc")
    assert (await refused(server, forged))["code"] == "invalid_token"


async def test_a_token_signed_by_another_key_is_refused(server):
    from gateway.channels.visitor_tokens import VisitorTokens

    _, foreign = VisitorTokens("another-install", 3600).new_visitor()
    assert (await refused(server, foreign))["code"] == "invalid_token"


async def test_an_expired_token_is_refused(server):
    assert (await refused(server, token_signed_long_ago("test-secret-key", "abc")))["code"] == "expired_token"


async def test_refused_connections_store_nothing_and_the_server_stays_up(server):
    await refused(server, "garbage")
    assert await count_messages(server) == 0
    fresh = await ChatClient().connect(server.url)
    assert (await fresh.send("hello", "c-1"))["status"] == "stored"
    await fresh.close()


async def test_a_burst_of_ten_is_accepted_then_a_flood_is_limited(client):
    acks = [await client.send(f"message {i}", f"burst-{i}") for i in range(10)]
    assert all(a["status"] == "stored" for a in acks)
    flood = [await client.send(f"flood {i}", f"flood-{i}") for i in range(15)]
    limited = [a for a in flood if "error" in a]
    assert limited and limited[0]["error"]["code"] == "rate_limited"
    assert limited[0]["error"]["retry_after"] > 0


async def test_customer_typing_is_accepted(client):
    assert await client.call("typing", {"typing": True}) is None
    assert (await client.call("typing", {"typing": "yes"}))["error"]["code"] == "invalid_payload"


async def test_a_client_cannot_fake_connect_or_disconnect(server, client):
    for event in ("connect", "disconnect"):
        ack = await client.call(event, {"visitor_token": None})
        assert ack["error"]["code"] == "unknown_event"
    ack = await client.send("still the same conversation", "c-1")
    assert ack["status"] == "stored"
    async with server.gateway.session_factory() as s:
        assert (await s.get(Message, ack["id"])).conversation_id == client.session["conversation_id"]
        assert (await s.execute(select(func.count()).select_from(Conversation))).scalar_one() == 1


async def test_extra_arguments_after_the_payload_are_ignored(client):
    ack = await client.sio.call("message", ({"text": "hi", "client_msg_id": "x-1"}, "extra", 2), namespace=ChatClient.namespace)
    assert ack["status"] == "stored"
    assert await client.sio.call("typing", ({"typing": True}, "extra"), namespace=ChatClient.namespace) is None


async def test_an_unexpected_failure_gets_an_internal_error_ack(server, client, monkeypatch, caplog):
    async def broken(inbound):
        raise RuntimeError("a bug in the pipeline")

    monkeypatch.setattr(server.gateway.intake, "receive", broken)
    ack = await client.send("hello", "c-1")
    assert ack["error"]["code"] == "internal" and ack["error"]["message"]
    failures = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert any("a bug in the pipeline" in str(r.exc_info[1]) for r in failures)


@pytest.mark.parametrize("token", ["vïsitor.tökén.sig", "\ud800", "abc\udfff.def"])
async def test_a_token_with_non_ascii_characters_is_refused(server, token):
    assert (await refused(server, token))["code"] == "invalid_token"


def token_signed_at(secret_key: str, visitor_id: str, timestamp: float) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
    signer = serializer.make_signer(SALT)
    signer.get_timestamp = lambda: int(timestamp)
    return signer.sign(serializer.dump_payload({"v": visitor_id})).decode()


async def test_every_connect_renews_the_visitor_token(server, client):
    visitor_id = VisitorTokens("test-secret-key", 60).verify(client.session["visitor_token"])
    aging = token_signed_at("test-secret-key", visitor_id, time.time() - 3000)
    again = await ChatClient().connect(server.url, token=aging)
    try:
        renewed = again.session["visitor_token"]
        assert renewed != aging and again.session["conversation_id"] == client.session["conversation_id"]
        assert VisitorTokens("test-secret-key", 60).verify(renewed) == visitor_id  # signed just now
    finally:
        await again.close()


async def test_messages_racing_to_reopen_a_resolved_conversation_are_all_stored(server, client):
    tab = await ChatClient().connect(server.url, token=client.session["visitor_token"])
    try:
        async with server.gateway.uow() as uow:
            conversation = await uow.chats.conversation(client.session["conversation_id"])
            await uow.chats.transition(
                conversation, plan_transition(Status.BOT, Status.RESOLVED, actor="agent:1", reason="answered"),
                utcnow(), resolved_at=utcnow())
            await uow.commit()
        acks = await asyncio.gather(
            *[c.send(f"one more thing {i}", f"{name}-{i}") for name, c in (("a", client), ("b", tab)) for i in range(4)]
        )
        assert [a.get("status") for a in acks] == ["stored"] * 8
        assert await count_messages(server, sender="customer") == 8
    finally:
        await tab.close()
