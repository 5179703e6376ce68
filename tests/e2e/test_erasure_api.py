"""An admin erases a web-chat customer over the REST API; the visitor's old token then opens a
fresh, empty conversation on a real Socket.IO connection."""
import asyncio
from datetime import timedelta

import aiohttp
from sqlalchemy import select

from gateway.storage.tables import Conversation, Message
from tests.chat_client import ChatClient

PASSWORD = "correct horse battery"


async def login(server, username, role) -> str:
    await server.gateway.accounts.add_user(username, role, PASSWORD)
    token, _ = await server.gateway.accounts.login(username, PASSWORD)
    return token


async def erase(server, token, customer_id):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.url}/api/customers/{customer_id}/erase", headers=headers) as r:
            return r.status, await r.json()


async def test_an_erased_visitor_starts_afresh_with_the_old_token(server):
    first = await ChatClient().connect(server.url)
    await first.send("how much do you charge for delivery?", "c-1")
    await first.wait_for("message", lambda m: m["sender"] == "bot")
    token, old_conversation = first.session["visitor_token"], first.session["conversation_id"]
    await first.close()
    async with server.gateway.session_factory() as s:
        customer_id = (await s.execute(select(Conversation.customer_id).where(
            Conversation.id == old_conversation))).scalar_one()

    root, ann = await login(server, "root", "admin"), await login(server, "ann", "agent")
    assert (await erase(server, None, customer_id))[0] == 401
    assert (await erase(server, ann, customer_id))[0] == 403
    status, body = await erase(server, root, customer_id)
    assert status == 200 and body["already_erased"] is False and body["erased"]["messages"] == 2
    assert await erase(server, root, customer_id) == (200, {"customer_id": customer_id, "already_erased": True,
                                                            "erased": {}})
    status, body = await erase(server, root, "nobody")
    assert status == 404 and body["error"]["code"] == "not_found"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/api/audit?type=customer",
                            headers={"Authorization": f"Bearer {root}"}) as r:
            [entry] = (await r.json())["entries"]
    assert (entry["action"], entry["object_id"], entry["actor"]) == ("erased", customer_id, "admin:root")

    again = await ChatClient().connect(server.url, token=token)
    try:
        fresh = again.session["conversation_id"]
        assert fresh != old_conversation
        await again.send("how much do you charge for delivery?", "c-2")
        await again.wait_for("message", lambda m: m["sender"] == "bot")
        # A replay of the old history would have arrived before the new reply.
        assert {m["conversation_id"] for m in again.events["message"]} == {fresh}
    finally:
        await again.close()
    async with server.gateway.session_factory() as s:
        old = (await s.execute(select(Message.text).where(Message.conversation_id == old_conversation))).scalars()
        assert set(old) == {"[erased]"}
        new_owner = (await s.execute(select(Conversation.customer_id).where(Conversation.id == fresh))).scalar_one()
    assert new_owner != customer_id


async def test_a_gateway_with_a_retention_setting_erases_quiet_customers_by_itself(sqlite_url, tmp_path, encoders):
    from gateway.bootstrap import migrate_database
    from tests.conftest import make_settings, start_server
    from tests.integration.test_erasure import NOW, PHONE, World

    settings = make_settings(sqlite_url, tmp_path, gateway_retention_days=30)
    await migrate_database(settings)
    world = World(sqlite_url)
    await world.seed()
    live = await start_server(settings, encoders, clock=lambda: NOW + timedelta(days=40))
    try:
        for _ in range(200):  # the first sweep runs at start-up; up to 20 s on a busy machine
            if PHONE not in await world.every_cell():
                break
            await asyncio.sleep(0.1)
        assert PHONE not in await world.every_cell()
        assert "li.na@example.org" not in await world.every_cell()
    finally:
        await live.stop()
        await world.engine.dispose()
