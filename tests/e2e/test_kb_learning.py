"""The knowledge base learning from its customers, end to end: a Helpful click and a clarify
choice each propose the customer's words; an editor approves; the bot knows them at once.
Real Socket.IO clients, real HTTP, the real models."""
import pytest

from tests.chat_client import ChatClient
from tests.conftest import make_settings, start_server
from tests.e2e.test_kb_api import PASSWORD, Api, ask, http  # noqa: F401  (the fixture)


async def logged_in(server, http, role):
    await server.gateway.accounts.add_user(f"{role}1", role, PASSWORD)
    status, body = await Api(http, server.url).call("POST", "/api/auth/login",
                                                     {"username": f"{role}1", "password": PASSWORD})
    assert status == 200
    return Api(http, server.url, body["token"])


async def bot_reply(customer, after: int):
    return await customer.wait_for("message", lambda m: m["sender"] == "bot" and m["id"] > after)


async def server_deciding_at(sqlite_url, tmp_path, encoders, answer: float, clarify: float):
    return await start_server(make_settings(sqlite_url, tmp_path, gateway_bot_answer_threshold=answer,
                                            gateway_bot_clarify_threshold=clarify), encoders)


@pytest.fixture
async def eager_server(sqlite_url, tmp_path, encoders):
    """A bot that answers whenever it leans one way, so an answer is sure to come."""
    live = await server_deciding_at(sqlite_url, tmp_path, encoders, answer=0.05, clarify=0.01)
    yield live
    await live.stop()


async def test_a_helpful_click_proposes_the_words_and_an_approval_makes_them_an_alternate(eager_server, http):
    server = eager_server
    editor = await logged_in(server, http, "editor")
    customer = await ChatClient().connect(server.url)
    try:
        asked = "I need a fapiao for my company, how? my phone is 13812345678"
        await customer.send(asked, "c-1")
        answer = await bot_reply(customer, 0)
        assert answer["quick_replies"][0] == "Helpful"
        await customer.send("Helpful", "c-2")
        await bot_reply(customer, answer["id"])
    finally:
        await customer.close()

    status, body = await editor.call("GET", "/api/kb/proposals")
    assert status == 200
    [proposal] = body["proposals"]
    assert proposal["source"] == "helpful" and proposal["status"] == "pending"
    assert proposal["text"] == "I need a fapiao for my company, how? my phone is 138****5678"  # masked
    entry_id = proposal["entry_id"]
    status, before = await editor.call("GET", f"/api/kb/entries/{entry_id}")

    status, approved = await editor.call("POST", f"/api/kb/proposals/{proposal['id']}/approve", {})
    assert status == 200, approved
    assert approved["proposal"]["status"] == "approved" and approved["proposal"]["decided_by"] == "editor:editor1"
    assert approved["entry"]["version"] == before["version"] + 1
    assert approved["entry"]["alternates"] == [*before["alternates"], proposal["text"]]
    status, history = await editor.call("GET", f"/api/kb/entries/{entry_id}/history")
    assert history["versions"][-1]["author"] == "editor:editor1"
    # The bot reads the new alternate at once: the customer's own words now match it exactly.
    found = await ask(editor, proposal["text"])
    assert found["results"][0]["id"] == entry_id

    status, again = await editor.call("POST", f"/api/kb/proposals/{proposal['id']}/approve", {})
    assert status == 409 and "approved by editor:editor1" in again["error"]["message"]
    assert (await editor.call("GET", "/api/kb/proposals?status=pending"))[1]["proposals"] == []


@pytest.fixture
async def unsure_server(sqlite_url, tmp_path, encoders):
    """A bot that asks about everything it is not certain of, so a clarify is sure to come."""
    live = await server_deciding_at(sqlite_url, tmp_path, encoders, answer=0.999, clarify=0.0001)
    yield live
    await live.stop()


async def test_a_clarify_choice_is_answered_with_that_entry_and_proposes_the_words(unsure_server, http):
    server = unsure_server
    editor = await logged_in(server, http, "editor")
    customer = await ChatClient().connect(server.url)
    try:
        await customer.send("寄到我家要多少钱", "c-1")
        clarify = await bot_reply(customer, 0)
        options = clarify["quick_replies"][:-1]  # the last one is "talk to a person"
        assert 2 <= len(options) <= 3
        await customer.send(options[1], "c-2")  # not the first: the choice, not the ranking, decides
        answer = await bot_reply(customer, clarify["id"])
    finally:
        await customer.close()
    status, body = await editor.call("GET", "/api/kb/proposals")
    [proposal] = body["proposals"]
    assert proposal["source"] == "clarify" and proposal["text"] == "寄到我家要多少钱"
    status, entry = await editor.call("GET", f"/api/kb/entries/{proposal['entry_id']}")
    assert entry["question"] == options[1] and answer["text"] == entry["answer"]

    status, rejected = await editor.call("POST", f"/api/kb/proposals/{proposal['id']}/reject", {})
    assert status == 200 and rejected["proposal"]["status"] == "rejected"
    status, unchanged = await editor.call("GET", f"/api/kb/entries/{proposal['entry_id']}")
    assert unchanged["version"] == entry["version"] and "寄到我家要多少钱" not in unchanged["alternates"]


async def test_only_editors_review_and_unknown_proposals_are_404(server, http):
    agent = await logged_in(server, http, "agent")
    editor = await logged_in(server, http, "editor")
    assert (await agent.call("GET", "/api/kb/proposals"))[0] == 403
    assert (await agent.call("POST", "/api/kb/proposals/1/approve", {}))[0] == 403
    assert (await editor.call("POST", "/api/kb/proposals/999/approve", {}))[0] == 404
    assert (await editor.call("GET", "/api/kb/proposals?status=maybe"))[0] == 422


async def test_the_self_check_lists_confusable_pairs_of_the_demo_knowledge_base(server, http):
    editor = await logged_in(server, http, "editor")
    status, body = await editor.call("GET", "/api/kb/confusable")
    assert status == 200 and body["pairs"], "the demo FAQ has entries that answer near-identical questions"
    assert any({p["first"], p["second"]} == {"shipping-fee-zh", "free-shipping-zh"} for p in body["pairs"])
    for pair in body["pairs"]:
        assert pair["first"] != pair["second"] and pair["language"] in ("zh", "en") and pair["phrasing"]
    ids = {p["first"] for p in body["pairs"]} | {p["second"] for p in body["pairs"]}
    known = {e["id"] for e in (await editor.call("GET", "/api/kb/entries?status=published"))[1]["entries"]}
    assert ids <= known
