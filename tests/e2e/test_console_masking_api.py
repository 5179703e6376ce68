"""GATEWAY_CONSOLE_MASK_PII over real HTTP and Socket.IO: the console is handed customers'
contacts masked, and a reveal returns one message's original text and leaves exactly one
audit row that names who, which conversation and which message, never the text."""
import json

import pytest
from sqlalchemy import select

from gateway.storage.tables import AuditRecord
from tests.agent_client import AgentClient
from tests.conftest import make_settings, start_server
from tests.e2e.test_console_browser import queued_customer
from tests.e2e.test_quality_audit_api import call, login

PHONE, EMAIL, CARD = "13812345678", "li.wei@example.com", "6212261102001236"
SAID = f"我的手机{PHONE}，邮箱 {EMAIL}，退款到卡 {CARD}"
MASKED = "我的手机138****5678，邮箱 l***@example.com，退款到卡 621*********1236"


@pytest.fixture
async def masking(database_url, tmp_path, encoders):
    """On SQLite and PostgreSQL: the reveal and its audit row share one transaction."""
    live = await start_server(make_settings(database_url, tmp_path, gateway_console_mask_pii=True), encoders)
    yield live
    await live.stop()


def leaks(value) -> bool:
    text = json.dumps(value, ensure_ascii=False)
    return any(secret in text for secret in (PHONE, EMAIL, CARD))


async def reveal_rows(server) -> list[AuditRecord]:
    async with server.gateway.uow() as uow:
        return list((await uow.session.execute(
            select(AuditRecord).where(AuditRecord.action == "pii_revealed"))).scalars())


async def test_the_console_gets_masked_text_and_a_reveal_is_audited_once(masking):
    ann = await login(masking, "ann", "agent")
    sue = await login(masking, "sue", "supervisor")
    agent = await AgentClient().connect(masking.url, ann)
    customer = await queued_customer(masking, SAID)
    cid = customer.session["conversation_id"]
    try:
        live = await agent.wait_for("message", lambda m: m.get("sender") == "customer" and m.get("masked"))
        assert live["text"] == MASKED and live["conversation_id"] == cid
        queue = await agent.call("queue", {})
        assert [r["last_customer_message_masked"] for r in queue["conversations"]] == [True]
        assert not leaks(queue) and not leaks(agent.events["queue"])
        status, listed = await call(masking, ann, "GET", "/api/conversations?status=queued")
        [row] = listed["conversations"]
        assert (row["last_customer_message"], row["last_customer_message_masked"]) == (MASKED, True)

        status, context = await call(masking, ann, "GET", f"/api/conversations/{cid}")
        assert status == 200 and not leaks(context)
        said = next(m for m in context["transcript"] if m["text"] == MASKED)
        assert said["masked"] is True
        asked = next(m for m in context["transcript"] if m["text"] == "转人工")
        assert "masked" not in asked  # nothing to hide, nothing flagged

        assert await reveal_rows(masking) == []
        status, revealed = await call(masking, ann, "POST", f"/api/conversations/{cid}/reveal",
                                      {"message_id": said["id"]})
        assert (status, revealed) == (200, {"message_id": said["id"], "text": SAID})
        [row] = await reveal_rows(masking)
        assert (row.actor, row.object_type, row.object_id, row.after["message_id"]) == (
            "agent:ann", "conversation", cid, said["id"])
        assert not leaks([row.summary, row.before, row.after])

        status, log = await call(masking, sue, "GET", "/api/audit?type=conversation")
        [entry] = [e for e in log["entries"] if e["action"] == "pii_revealed"]
        assert (entry["actor"], entry["object_id"]) == ("agent:ann", cid) and not leaks(log)

        status, again = await call(masking, ann, "GET", f"/api/conversations/{cid}")
        assert not leaks(again)  # a reveal shows one reader once; the record stays as it was
    finally:
        await agent.close()
        await customer.close()


async def test_who_may_reveal_and_what(masking):
    ann = await login(masking, "ann", "agent")
    bob = await login(masking, "bob", "agent")
    sue = await login(masking, "sue", "supervisor")
    eve = await login(masking, "eve", "editor")
    first = await queued_customer(masking, SAID)
    other = await queued_customer(masking, f"call {PHONE}")
    cid, other_cid = first.session["conversation_id"], other.session["conversation_id"]
    try:
        status, context = await call(masking, ann, "GET", f"/api/conversations/{cid}")
        said = next(m for m in context["transcript"] if m.get("masked"))
        asked = next(m for m in context["transcript"] if m["text"] == "转人工")
        assert (await call(masking, ann, "POST", f"/api/conversations/{cid}/claim"))[0] == 200
        path = f"/api/conversations/{cid}/reveal"

        status, refused = await call(masking, bob, "POST", path, {"message_id": said["id"]})
        assert status == 403 and refused["error"]["code"] == "forbidden"  # ann's conversation now
        assert (await call(masking, eve, "POST", path, {"message_id": said["id"]}))[0] == 403
        assert (await call(masking, None, "POST", path, {"message_id": said["id"]}))[0] == 401
        status, context = await call(masking, sue, "GET", f"/api/conversations/{other_cid}")
        elsewhere = next(m for m in context["transcript"] if m.get("masked"))
        for body, expected in [({"message_id": elsewhere["id"]}, 404),  # another customer's message
                               ({"message_id": asked["id"] + 100000}, 404), ({"message_id": "x"}, 422),
                               ({"message_id": 0}, 422), ({}, 422), ({"message_id": said["id"], "x": 1}, 422)]:
            status, answer = await call(masking, ann, "POST", path, body)
            assert (status, "error" in answer) == (expected, True), body
        assert (await call(masking, ann, "POST", "/api/conversations/nope/reveal", {"message_id": 1}))[0] == 404
        assert await reveal_rows(masking) == []  # refusals leave no trace of a reveal

        status, revealed = await call(masking, sue, "POST", path, {"message_id": said["id"]})
        assert (status, revealed["text"]) == (200, SAID)
        assert [r.actor for r in await reveal_rows(masking)] == ["supervisor:sue"]
    finally:
        await first.close()
        await other.close()


async def test_with_the_setting_off_nothing_is_masked_or_flagged(server):
    ann = await login(server, "ann", "agent")
    customer = await queued_customer(server, SAID)
    cid = customer.session["conversation_id"]
    try:
        status, listed = await call(server, ann, "GET", "/api/conversations?status=queued")
        [row] = listed["conversations"]
        assert row["last_customer_message"] == SAID and "last_customer_message_masked" not in row
        status, context = await call(server, ann, "GET", f"/api/conversations/{cid}")
        said = next(m for m in context["transcript"] if m["sender"] == "customer" and m["text"] == SAID)
        assert "masked" not in said and PHONE in context["summary"]
    finally:
        await customer.close()
