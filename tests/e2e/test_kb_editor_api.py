"""The editor API behind /kb over real HTTP: publish, diff, rollback, export, and unanswered
questions seeded by real chat clients the real bot could not answer."""
import json

import pytest
import yaml

from tests.chat_client import ChatClient
from tests.e2e.test_kb_api import PASSWORD, Api, ask, http  # noqa: F401 (fixture)

EDITOR_WRITES = [("POST", "/api/kb/entries/x/publish"), ("POST", "/api/kb/entries/x/unpublish"),
                 ("POST", "/api/kb/entries/x/rollback"), ("GET", "/api/kb/unanswered"),
                 ("POST", "/api/kb/unanswered/entry"), ("POST", "/api/kb/unanswered/dismiss")]
READS = [("GET", "/api/kb/entries/x/diff?from=1&to=2"), ("GET", "/api/kb/export")]
# Questions the demo FAQ cannot answer (the bot hands off for low confidence), three phrasings of one.
CEO = ["What is your CEO's favourite colour?", "Which colour does your boss like best?",
       "What's the favourite color of your CEO?"]
BIKES = "Do you have a parking lot for bicycles?"


@pytest.fixture
async def api(server, http):  # noqa: F811
    clients = {"anonymous": Api(http, server.url)}
    for role in ("agent", "editor"):
        await server.gateway.accounts.add_user(f"{role}1", role, PASSWORD)
        status, body = await clients["anonymous"].call(
            "POST", "/api/auth/login", {"username": f"{role}1", "password": PASSWORD})
        assert status == 200
        clients[role] = Api(http, server.url, body["token"])
    return clients


async def unanswered_by_the_bot(server, *texts) -> None:
    """Each text from a new customer, handed to a person for low confidence."""
    for n, text in enumerate(texts):
        customer = await ChatClient().connect(server.url)
        try:
            assert "id" in await customer.send(text, f"q-{n}")
            await customer.wait_for("handoff", lambda h: h["state"] == "queued", timeout=15)
            bot = await customer.wait_for("message", lambda m: m.get("sender") == "bot", timeout=5)
            assert "don't have a good answer" in bot["text"], bot  # the low-confidence hand-off
        finally:
            await customer.close()


@pytest.mark.parametrize("method,path", EDITOR_WRITES)
async def test_agents_may_not_use_the_editor_routes(api, method, path):
    status, body = await api["agent"].call(method, path, json={})
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = await api["anonymous"].call(method, path, json={})
    assert status == 401


@pytest.mark.parametrize("method,path", READS)
async def test_agents_may_read_diffs_and_exports(api, method, path):
    status, _ = await api["agent"].call(method, path)
    assert status in (200, 404)  # 404: entry x does not exist; never 401/403


async def test_publish_diff_and_rollback_make_new_versions_that_are_live_at_once(api):
    editor = api["editor"]
    entry = {"id": "tea-club-en", "language": "en", "question": "Do you have a tea club membership?",
             "answer": "Yes: the tea club costs ¥99 a year and includes a monthly sample."}
    status, created = await editor.call("POST", "/api/kb/entries", entry)
    assert status == 201 and created["status"] == "draft"
    assert (await ask(editor, "tea club membership?")).get("entry_id") != "tea-club-en"

    status, body = await editor.call("POST", "/api/kb/entries/tea-club-en/publish", {"version": 2})
    assert status == 409 and body["error"]["current_version"] == 1
    status, published = await editor.call("POST", "/api/kb/entries/tea-club-en/publish", {"version": 1})
    assert status == 200 and published["status"] == "published" and published["version"] == 2
    assert (await ask(editor, "tea club membership?"))["entry_id"] == "tea-club-en"

    status, edited = await editor.call("PUT", "/api/kb/entries/tea-club-en",
                                       {**entry, "answer": "Yes: the tea club costs ¥129 a year.",
                                        "status": "published", "version": 2})
    assert status == 200 and "¥129" in (await ask(editor, "tea club membership?"))["answer"]

    status, diff = await editor.call("GET", "/api/kb/entries/tea-club-en/diff?from=2&to=3")
    assert status == 200 and [c["field"] for c in diff["changes"]] == ["answer"]
    ops = diff["changes"][0]["ops"]
    assert {"op": "delete", "text": "99"} in ops and {"op": "insert", "text": "129"} in ops
    assert "".join(o["text"] for o in ops if o["op"] != "insert") == entry["answer"]

    status, rolled = await editor.call("POST", "/api/kb/entries/tea-club-en/rollback", {"version": 3, "to_version": 1})
    assert status == 200 and rolled["version"] == 4 and rolled["answer"] == entry["answer"]
    assert rolled["status"] == "published"  # a rollback restores the text, not the draft status
    assert "¥99" in (await ask(editor, "tea club membership?"))["answer"]
    status, history = await editor.call("GET", "/api/kb/entries/tea-club-en/history")
    assert [v["action"] for v in history["versions"]] == ["create", "publish", "update", "rollback"]
    assert history["versions"][2]["entry"]["answer"].endswith("¥129 a year.")  # history untouched

    status, body = await editor.call("POST", "/api/kb/entries/tea-club-en/unpublish", {"version": 4})
    assert status == 200 and body["status"] == "draft"
    assert (await ask(editor, "tea club membership?")).get("entry_id") != "tea-club-en"


@pytest.mark.parametrize("method,path,payload,status", [
    ("GET", "/api/kb/entries/refund-en/diff?from=1&to=99", None, 404),
    ("GET", "/api/kb/entries/refund-en/diff?from=x&to=1", None, 422),
    ("GET", "/api/kb/entries/refund-en/diff", None, 422),
    ("GET", "/api/kb/entries/nope/diff?from=1&to=1", None, 404),
    ("POST", "/api/kb/entries/refund-en/rollback", {"version": 1, "to_version": 99}, 404),
    ("POST", "/api/kb/entries/refund-en/rollback", {"version": 1}, 422),
    ("POST", "/api/kb/entries/refund-en/rollback", {"version": 7, "to_version": 1}, 409),
    ("POST", "/api/kb/entries/nope/publish", {"version": 1}, 404),
    ("POST", "/api/kb/entries/refund-en/publish", {"version": "one"}, 422),
    ("GET", "/api/kb/export?format=xml", None, 422),
    ("GET", "/api/kb/export?status=gone", None, 422),
    ("POST", "/api/kb/unanswered/dismiss", {"message_ids": []}, 422),
    ("POST", "/api/kb/unanswered/dismiss", {"message_ids": [999999]}, 422),
    ("POST", "/api/kb/unanswered/entry", {"message_ids": [1], "question": "x"}, 422),
])
async def test_bad_requests_get_clear_json_errors(api, method, path, payload, status):
    got, body = await api["editor"].call(method, path, json=payload)
    assert got == status, body
    assert body["error"]["message"]


async def test_publish_of_a_malformed_body_is_400(api, http, server):  # noqa: F811
    headers = {"Authorization": f"Bearer {api['editor'].token}", "Content-Type": "application/json"}
    async with http.post(server.url + "/api/kb/entries/refund-en/publish", data="{", headers=headers) as r:
        assert r.status == 400 and (await r.json())["error"]["code"] == "bad_request"


async def test_export_in_each_format_reads_back(api):
    for fmt, parse in (("json", json.loads), ("yaml", yaml.safe_load)):
        status, text = await api["editor"].call("GET", f"/api/kb/export?format={fmt}&status=published")
        assert status == 200
        rows = parse(text) if isinstance(text, str) else text
        assert len(rows) >= 40 and {r["status"] for r in rows} == {"published"}
        assert any(r["id"] == "shipping-fee-zh" and "运费" in r["question"] + r["answer"] for r in rows)
    status, text = await api["agent"].call("GET", "/api/kb/export?format=csv")
    assert status == 200 and text.splitlines()[0] == "id,language,question,alternates,answer,tags,status"


async def test_unanswered_questions_are_grouped_and_become_an_entry_in_one_step(server, api):
    await unanswered_by_the_bot(server, *CEO, BIKES)
    editor = api["editor"]
    status, body = await editor.call("GET", "/api/kb/unanswered")
    assert status == 200 and body["questions"] == 4
    groups = {frozenset(g["phrasings"]): g for g in body["groups"]}
    assert set(groups) == {frozenset(CEO), frozenset([BIKES])}
    ceo = groups[frozenset(CEO)]
    assert ceo["size"] == 3 and ceo["language"] == "en" and ceo["question"] in CEO
    assert body["groups"][0]["size"] == 3  # biggest first
    assert ceo["closest"]["score"] < 0.2 and ceo["questions"][0]["conversation_id"]

    new = {"question": ceo["question"], "alternates": [p for p in CEO if p != ceo["question"]],
           "answer": "Green, like our longjing tea.", "status": "published", "message_ids": ceo["message_ids"]}
    status, made = await editor.call("POST", "/api/kb/unanswered/entry", new)
    assert status == 201 and made["handled"] == 3 and made["entry"]["language"] == "en"
    assert (await ask(editor, "what colour does your CEO like"))["entry_id"] == made["entry"]["id"]
    status, again = await editor.call("POST", "/api/kb/unanswered/entry", {**new, "id": "ceo-2"})
    assert status == 409
    status, _ = await editor.call("GET", "/api/kb/entries/ceo-2")
    assert status == 404  # the refused step left no entry behind

    bikes = groups[frozenset([BIKES])]
    status, _ = await editor.call("POST", "/api/kb/unanswered/dismiss", {"message_ids": bikes["message_ids"]})
    assert status == 200
    status, body = await editor.call("GET", "/api/kb/unanswered")
    assert status == 200 and body == {"groups": [], "questions": 0}
