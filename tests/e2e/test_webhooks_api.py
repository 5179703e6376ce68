"""Webhook endpoints over HTTP on a live gateway: admins only, what a wrong endpoint is told,
and a secret that is written but never read back, not even in the audit log."""
from __future__ import annotations

import asyncio
import json

from gateway.storage.tables import WebhookEndpoint
from tests.e2e.test_service_hours import login
from tests.e2e.test_workspace_api import call, handed_off

SECRET = "whsec-0123456789abcdef"
ENDPOINT = {"url": "https://crm.shop.example/hooks/cs", "secret": SECRET,
            "events": ["conversation.handed_off", "complaint.registered", "csat.received"]}


async def test_admins_register_webhooks_and_nobody_reads_a_secret_back(server):
    agent, supervisor, admin = [await login(server, n, r) for n, r in
                                (("amy", "agent"), ("sue", "supervisor"), ("ada", "admin"))]
    assert (await call(server, "GET", "/api/webhooks", None))[0] == 401
    for token in (agent, supervisor):
        assert (await call(server, "GET", "/api/webhooks", token))[0] == 403
        assert (await call(server, "POST", "/api/webhooks", token, ENDPOINT))[0] == 403

    status, created = await call(server, "POST", "/api/webhooks", admin, ENDPOINT)
    assert status == 201
    assert (created["url"], created["events"], created["trusted"], created["secret_set"], created["created_by"]) == (
        ENDPOINT["url"], ENDPOINT["events"], False, True, "admin:ada")
    status, listed = await call(server, "GET", "/api/webhooks", admin)
    assert status == 200 and [w["id"] for w in listed["webhooks"]] == [created["id"]]
    assert "csat.received" in listed["event_types"] and len(listed["event_types"]) == 10
    assert SECRET not in json.dumps(listed) and SECRET not in json.dumps(created)

    path = f"/api/webhooks/{created['id']}"
    edit = {k: v for k, v in ENDPOINT.items() if k != "secret"} | {"events": ["sla.breached"], "trusted": True}
    status, edited = await call(server, "PUT", path, admin, edit)
    assert status == 200 and edited["events"] == ["sla.breached"] and edited["trusted"] is True
    async with server.gateway.uow() as uow:  # the edit without a secret kept the one set
        assert (await uow.session.get(WebhookEndpoint, created["id"])).secret == SECRET
    status, _ = await call(server, "PUT", path, admin, edit | {"secret": "another-secret-of-length"})
    assert status == 200
    assert (await call(server, "PUT", "/api/webhooks/999999", admin, edit))[0] == 404
    assert (await call(server, "PUT", path, supervisor, edit))[0] == 403
    assert (await call(server, "DELETE", path, admin))[0] == 204
    assert (await call(server, "DELETE", path, admin))[0] == 404
    assert (await call(server, "GET", "/api/webhooks", admin))[1]["webhooks"] == []

    status, with_token = await call(server, "POST", "/api/webhooks", admin,
                                    {**ENDPOINT, "url": "https://crm.shop.example/hook?token=abc123"})
    assert status == 201 and with_token["url"].endswith("?token=abc123")
    assert (await call(server, "DELETE", f"/api/webhooks/{with_token['id']}", admin))[0] == 204
    _, trail = await call(server, "GET", "/api/audit?type=webhook", supervisor)
    assert "abc123" not in json.dumps(trail)  # supervisors read the trail: a token in the query stays out
    trail["entries"] = trail["entries"][2:]
    assert [e["action"] for e in trail["entries"]] == ["delete", "update", "update", "create"]
    assert trail["entries"][2]["after"] == {"events": ["sla.breached"], "trusted": True}
    assert trail["entries"][1]["after"] == {"secret": "changed"}
    assert SECRET not in json.dumps(trail) and "another-secret" not in json.dumps(trail)


async def test_a_wrong_endpoint_is_told_what_is_wrong_and_nothing_is_stored(server):
    admin = await login(server, "ada", "admin")
    for broken in ({**ENDPOINT, "url": "ftp://crm.shop.example/"}, {**ENDPOINT, "url": "https://"},
                   {**ENDPOINT, "secret": "short"}, {**ENDPOINT, "events": []},
                   {**ENDPOINT, "events": ["order.shipped"]}, {**ENDPOINT, "events": ["sla.warning", "sla.warning"]},
                   {k: v for k, v in ENDPOINT.items() if k != "secret"}, {**ENDPOINT, "extra": 1},
                   {**ENDPOINT, "url": "https://user:pass@crm.shop.example/hook"}):
        status, body = await call(server, "POST", "/api/webhooks", admin, broken)
        assert status == 422, (broken, body)
        assert body["error"]["code"] == "invalid"
    assert (await call(server, "GET", "/api/webhooks", admin))[1]["webhooks"] == []


async def test_a_receiver_inside_the_network_is_refused_unless_the_operator_allows_it(server):
    admin = await login(server, "ada", "admin")
    status, endpoint = await call(server, "POST", "/api/webhooks", admin,
                                  {**ENDPOINT, "url": "http://127.0.0.1:9/hook", "events": ["conversation.handed_off"]})
    assert status == 201
    customer, _ = await handed_off(server, "转人工", "取消 没发货")
    try:
        for _ in range(100):  # bounded: the sender polls every second
            _, body = await call(server, "GET", f"/api/webhooks/{endpoint['id']}/deliveries", admin)
            if body["deliveries"] and body["deliveries"][0]["attempts"]:
                break
            await asyncio.sleep(0.1)
        delivery, = body["deliveries"]
        assert delivery["status"] == "pending" and "private or local address" in delivery["last_error"]
        assert delivery["last_status"] is None
    finally:
        await customer.close()
