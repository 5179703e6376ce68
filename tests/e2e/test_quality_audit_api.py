"""Quality review and the audit log over HTTP, after a real conversation: a web-chat customer,
an agent on the console socket, a supervisor and an admin on the REST API."""
from datetime import datetime, timedelta, timezone

import aiohttp

from tests.agent_client import AgentClient
from tests.chat_client import ChatClient

PASSWORD = "correct horse battery"


async def login(server, username, role) -> str:
    await server.gateway.accounts.add_user(username, role, PASSWORD)
    token, _ = await server.gateway.accounts.login(username, PASSWORD)
    return token


async def call(server, token, method, path, body=None):
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with http.request(method, server.url + path, json=body, headers=headers) as r:
            return r.status, (await r.json() if r.content_type == "application/json" else await r.text())


async def handled_conversation(server, agent_token, opening="转人工", brush_off=True) -> str:
    """A customer hands off, the agent claims, sends one flagged reply anyway and resolves."""
    agent = await AgentClient().connect(server.url, agent_token)
    customer = await ChatClient().connect(server.url)
    try:
        await customer.send(opening, "c-1")
        await customer.wait_for("handoff", lambda h: h["state"] == "queued")
        cid = customer.session["conversation_id"]
        assert await agent.call("claim", {"conversation_id": cid}) == {"status": "assigned"}
        if brush_off:
            refused = await agent.call("reply", {"conversation_id": cid, "text": "不知道"})
            assert refused["error"]["code"] == "needs_confirmation"
            assert "message" in await agent.call("reply", {"conversation_id": cid, "text": "不知道", "confirm": True})
        assert "message" in await agent.call("reply", {"conversation_id": cid, "text": "已为您处理好了。"})
        assert await agent.call("resolve", {"conversation_id": cid}) == {"status": "resolved"}
        return cid
    finally:
        await agent.close()
        await customer.close()


def today() -> tuple[str, str]:
    now = datetime.now(timezone.utc)
    return (now - timedelta(hours=1)).isoformat(), (now + timedelta(hours=1)).isoformat()


async def test_a_supervisor_samples_reads_scores_and_sees_the_agent_figures(server):
    ann = await login(server, "ann", "agent")
    sue = await login(server, "sue", "supervisor")
    cid = await handled_conversation(server, ann)
    start, end = today()

    status, sample = await call(server, sue, "POST", "/api/quality/samples",
                                {"period_from": start, "period_to": end, "size": 5, "seed": "nov-week-1"})
    assert status == 201, sample
    assert sample["conversation_ids"] == [cid] and sample["population"] == 1 and sample["seed"] == "nov-week-1"
    status, detail = await call(server, sue, "GET", f"/api/quality/samples/{sample['id']}")
    [item] = detail["items"]
    assert (item["agent"], item["forbidden_hits"], item["guard_warnings"]) == ("ann", 1, 2)  # one sent anyway
    status, listed = await call(server, sue, "GET", "/api/quality/samples")
    assert [s["id"] for s in listed["samples"]] == [sample["id"]]

    status, context = await call(server, sue, "GET", f"/api/conversations/{cid}")  # the transcript to read
    assert status == 200 and any(m["text"] == "已为您处理好了。" for m in context["transcript"])

    status, review = await call(server, sue, "POST", "/api/quality/reviews",
                                {"conversation_id": cid, "sample_id": sample["id"], "courtesy": 2, "accuracy": 4,
                                 "resolved": True, "comment": "brushed the customer off once"})
    assert status == 201 and review["forbidden_hits"] == 1 and review["agent"] == "ann"
    status, report = await call(server, sue, "GET", "/api/quality/report")
    assert report["agents"] == [{"agent_id": review["agent_id"], "agent": "ann", "reviewed": 1, "mean_courtesy": 2.0,
                                 "mean_accuracy": 4.0, "resolved_rate": 1.0, "forbidden_hits": 1}]

    bad = [("POST", "/api/quality/samples", {"period_from": "yesterday", "period_to": end, "size": 5}, 422),
           ("POST", "/api/quality/samples", {"period_from": "2026-11-01T00:00:00", "period_to": end, "size": 5}, 422),
           ("POST", "/api/quality/samples", {"period_from": end, "period_to": start, "size": 5}, 422),
           ("POST", "/api/quality/samples", {"period_from": start, "period_to": end, "size": 0}, 422),
           ("POST", "/api/quality/reviews", {"conversation_id": cid, "courtesy": 0, "accuracy": 3,
                                             "resolved": True}, 422),
           ("POST", "/api/quality/reviews", {"conversation_id": "nope", "courtesy": 3, "accuracy": 3,
                                             "resolved": True}, 404),
           ("POST", "/api/quality/reviews", {"conversation_id": cid, "sample_id": 999, "courtesy": 3, "accuracy": 3,
                                             "resolved": True}, 404),
           ("GET", "/api/quality/samples/abc", None, 404), ("GET", "/api/quality/samples/999", None, 404),
           ("GET", "/api/quality/report?from=soon", None, 422)]
    for method, path, body, expected in bad:
        status, answer = await call(server, sue, method, path, body)
        assert (status, "error" in answer) == (expected, True), (path, body, answer)
    async with aiohttp.ClientSession() as http:
        async with http.post(server.url + "/api/quality/reviews", data="{not json",
                             headers={"Authorization": f"Bearer {sue}"}) as r:
            assert r.status == 400


async def test_complaint_updates_role_changes_kb_edits_and_status_all_reach_the_audit_api(server):
    ann = await login(server, "ann", "agent")
    sue = await login(server, "sue", "supervisor")
    root = await login(server, "root", "admin")
    eve = await login(server, "eve", "editor")
    cid = await handled_conversation(server, ann, brush_off=False)

    status, complaint = await call(server, ann, "POST", "/api/complaints",
                                   {"conversation_id": cid, "category": "logistics", "severity": "ordinary",
                                    "demand": "exchange"})
    assert status == 201, complaint
    status, _ = await call(server, sue, "POST", f"/api/complaints/{complaint['id']}", {"status": "in_progress"})
    assert status == 200
    status, _ = await call(server, eve, "POST", "/api/kb/entries",
                           {"id": "gift-wrap", "question": "Do you gift wrap?", "answer": "Yes, for ¥5."})
    assert status == 201

    status, people = await call(server, root, "GET", "/api/users")
    ann_id = next(u["id"] for u in people["users"] if u["username"] == "ann")
    status, changed = await call(server, root, "PUT", f"/api/users/{ann_id}/role", {"role": "supervisor"})
    assert (status, changed["previous_role"], changed["role"]) == (200, "agent", "supervisor")
    for path, body, expected in [(f"/api/users/{ann_id}/role", {"role": "owner"}, 422),
                                 ("/api/users/999/role", {"role": "agent"}, 404),
                                 ("/api/users/x/role", {"role": "agent"}, 404)]:
        assert (await call(server, root, "PUT", path, body))[0] == expected

    status, log = await call(server, sue, "GET", "/api/audit?limit=200")
    entries = log["entries"]
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    by_type = {t: [e for e in entries if e["type"] == t] for t in ("kb", "conversation", "complaint", "user")}
    role = next(e for e in by_type["user"] if e["action"] == "role_changed")
    assert (role["actor"], role["before"], role["after"]) == ("admin:root", {"role": "agent"}, {"role": "supervisor"})
    assert [(e["action"], e["actor"]) for e in by_type["complaint"]] == [("updated", "supervisor:sue"),
                                                                         ("registered", "agent:ann")]
    assert by_type["complaint"][0]["before"] == {"status": "open"}
    assert any(e["object_id"] == "gift-wrap" and e["actor"] == "editor:eve" for e in by_type["kb"])
    statuses = [(e["before"] or {}).get("status", None) for e in by_type["conversation"] if e["object_id"] == cid]
    assert statuses == ["assigned", "queued", "bot", None]  # resolve, claim, hand-off, created

    status, only = await call(server, sue, "GET", "/api/audit?type=complaint&actor=SUE")
    assert [(e["type"], e["actor"]) for e in only["entries"]] == [("complaint", "supervisor:sue")]
    for query in ("type=everything", "limit=0", "limit=x", "from=tomorrow"):
        status, answer = await call(server, sue, "GET", "/api/audit?" + query)
        assert status == 422 and "error" in answer


SUPERVISOR_APIS = [("GET", "/api/quality/samples"), ("POST", "/api/quality/samples"),
                   ("GET", "/api/quality/samples/1"), ("POST", "/api/quality/reviews"),
                   ("GET", "/api/quality/report"), ("GET", "/api/audit")]
ADMIN_APIS = [("GET", "/api/users"), ("PUT", "/api/users/1/role")]


async def test_agents_get_403_from_the_pages_and_their_apis_and_supervisors_cannot_change_roles(server):
    ann = await login(server, "ann", "agent")
    sue = await login(server, "sue", "supervisor")
    async with aiohttp.ClientSession() as http:
        for page in ("/quality", "/audit"):
            async with http.get(server.url + page, headers={"Cookie": f"cs_session={ann}"}) as r:
                assert r.status == 403 and "may not open this page" in await r.text()
            async with http.get(server.url + page, headers={"Cookie": f"cs_session={sue}"}) as r:
                assert r.status == 200
    for method, path in SUPERVISOR_APIS + ADMIN_APIS:
        assert (await call(server, None, method, path, {}))[0] == 401, path
        assert (await call(server, ann, method, path, {}))[0] == 403, path
    for method, path in ADMIN_APIS:
        assert (await call(server, sue, method, path, {"role": "admin"}))[0] == 403, path
