"""Staff sessions and the abuse limits, against a live server: cookies, CSRF, headers, login
throttling, expiry, logging out everywhere, per-address limits on the chat, body sizes."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from sqlalchemy import select

from gateway.storage.tables import AuditRecord
from tests.agent_client import AgentClient
from tests.chat_client import ChatClient
from tests.conftest import make_settings, start_server

PASSWORD = "correct horse battery"


class StepClock:
    """Wall time that a test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
async def clocked(sqlite_url, tmp_path, encoders):
    clock = StepClock()
    live = await start_server(make_settings(sqlite_url, tmp_path, gateway_trusted_proxies="127.0.0.1"), encoders,
                              clock=clock)
    live.clock = clock
    yield live
    await live.stop()


def jar() -> aiohttp.CookieJar:
    return aiohttp.CookieJar(unsafe=True)  # keeps cookies for a bare IP host such as 127.0.0.1


def csrf_of(http: aiohttp.ClientSession) -> str:
    return next(c.value for c in http.cookie_jar if c.key == "cs_csrf")


async def login(http, server, username, password=PASSWORD, headers=None):
    async with http.post(server.url + "/api/auth/login", json={"username": username, "password": password},
                         headers=headers or {}) as r:
        return r.status, await r.json(), r


async def test_session_cookies_are_http_only_strict_and_secure_behind_https(clocked):
    await clocked.gateway.accounts.add_user("sam", "supervisor", PASSWORD)
    async with aiohttp.ClientSession(cookie_jar=jar()) as http:
        status, body, r = await login(http, clocked, "sam")
        assert status == 200
        session, token = r.cookies["cs_session"], r.cookies["cs_csrf"]
        assert session["httponly"] and session["samesite"] == "Strict" and not session["secure"]
        assert not token["httponly"] and token["samesite"] == "Strict" and token.value == body["csrf_token"]
        # HTTPS ended at a trusted proxy: the browser must only send the cookie back over HTTPS.
        status, _, r = await login(http, clocked, "sam", headers={"X-Forwarded-Proto": "https"})
        assert r.cookies["cs_session"]["secure"] and r.cookies["cs_csrf"]["secure"]
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")


async def test_cookie_writes_need_the_csrf_token_and_bearer_calls_do_not(server):
    await server.gateway.accounts.add_user("ed", "editor", PASSWORD)
    entry = {"question": "Do you ship to Macau?", "answer": "Yes, in 5 days.", "language": "en"}
    async with aiohttp.ClientSession(cookie_jar=jar()) as http:
        status, body, _ = await login(http, server, "ed")
        bearer = body["token"]
        url = server.url + "/api/kb/entries"
        async with http.post(url, json=entry) as r:
            assert r.status == 403 and (await r.json())["error"]["code"] == "csrf"
        async with http.post(url, json=entry, headers={"X-CSRF-Token": "0" * 64}) as r:
            assert r.status == 403
        # The right token, but sent by a page of another site.
        async with http.post(url, json=entry, headers={"X-CSRF-Token": csrf_of(http),
                                                       "Origin": "https://evil.example"}) as r:
            assert r.status == 403 and (await r.json())["error"]["code"] == "csrf"
        async with http.post(url, json=entry, headers={"X-CSRF-Token": csrf_of(http),
                                                       "Origin": server.url}) as r:
            assert r.status == 201
        async with http.get(url) as r:  # reads need no token
            assert r.status == 200
    async with aiohttp.ClientSession() as http:  # no cookies: an API client with its token
        async with http.post(url, json={**entry, "question": "Do you ship to Taipei?"},
                             headers={"Authorization": f"Bearer {bearer}"}) as r:
            assert r.status == 201
        # Another site cannot log a browser in to an account of its choosing either.
        status, _, _ = await login(http, server, "ed", headers={"Origin": "https://evil.example"})
        assert status == 403


async def test_every_answer_carries_the_security_headers(server):
    async with aiohttp.ClientSession() as http:
        for path in ("/api/kb/entries", "/healthz", "/no-such-page", "/widget.js"):
            async with http.get(server.url + path) as r:
                assert r.headers["X-Content-Type-Options"] == "nosniff", path
                assert r.headers["X-Frame-Options"] == "DENY", path
                assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"], path
        async with http.get(server.url + "/api/kb/entries") as r:
            assert r.headers["Cache-Control"] == "no-store"
        for page in ("/", "/console", "/kb", "/reports"):
            async with http.get(server.url + page) as r:
                policy = dict(p.strip().split(" ", 1) for p in r.headers["Content-Security-Policy"].split(";"))
                assert policy["script-src"] == "'self'", page  # no inline script anywhere
                assert r.headers["X-Frame-Options"] == "DENY", page


async def test_password_guessing_is_throttled_per_name_and_per_address(clocked):
    await clocked.gateway.accounts.add_user("amy", "agent", PASSWORD)
    async with aiohttp.ClientSession() as http:
        for _ in range(5):
            assert (await login(http, clocked, "amy", "guess"))[0] == 401
        status, body, r = await login(http, clocked, "amy")  # even the right password waits
        assert status == 429 and body["error"]["code"] == "too_many_requests"
        assert 0 < int(r.headers["Retry-After"]) <= 900
        clocked.clock.advance(minutes=15, seconds=1)
        assert (await login(http, clocked, "amy"))[0] == 200
        # A success clears the name's count: one more typo is not a lock-out.
        assert (await login(http, clocked, "amy", "typo"))[0] == 401
        assert (await login(http, clocked, "amy"))[0] == 200

        # One address trying many names: 20 failures (the one typo above counts), then a wait.
        forwarded = {"X-Forwarded-For": "203.0.113.9"}
        for n in range(20):
            assert (await login(http, clocked, f"user{n}", "guess", headers=forwarded))[0] == 401
        assert (await login(http, clocked, "amy", headers=forwarded))[0] == 429
        # Another address (per the trusted proxy) is not held up by that one.
        assert (await login(http, clocked, "amy", headers={"X-Forwarded-For": "198.51.100.7"}))[0] == 200


async def test_sessions_end_when_idle_and_at_their_lifetime(clocked):
    await clocked.gateway.accounts.add_user("sam", "supervisor", PASSWORD)
    accounts = clocked.gateway.accounts
    token, _ = await accounts.login("sam", PASSWORD)
    clocked.clock.advance(hours=3, minutes=59)
    assert await accounts.principal(token) is not None  # used just in time: the idle clock restarts
    clocked.clock.advance(hours=3, minutes=59)
    assert await accounts.principal(token) is not None
    clocked.clock.advance(hours=4, minutes=1)
    assert await accounts.principal(token) is None  # idle too long

    token, _ = await accounts.login("sam", PASSWORD)
    for _ in range(3):  # busy all day
        clocked.clock.advance(hours=3)
        assert await accounts.principal(token) is not None
    clocked.clock.advance(hours=2, minutes=59)
    assert await accounts.principal(token) is not None
    clocked.clock.advance(minutes=2)
    assert await accounts.principal(token) is None  # 12 h 1 min after login: past its lifetime


async def test_logging_out_everywhere_ends_every_session_and_closes_live_consoles(server):
    await server.gateway.accounts.add_user("ann", "agent", PASSWORD)
    other_device, _ = await server.gateway.accounts.login("ann", PASSWORD)
    console = await AgentClient().connect(server.url, other_device)
    try:
        assert "conversations" in await console.call("queue", {})
        async with aiohttp.ClientSession(cookie_jar=jar()) as http:
            await login(http, server, "ann")
            async with http.post(server.url + "/api/auth/logout", json={"everywhere": True},
                                 headers={"X-CSRF-Token": csrf_of(http)}) as r:
                assert r.status == 200 and (await r.json())["sessions_ended"] == 2
            async with http.get(server.url + "/api/auth/me",
                                headers={"Authorization": f"Bearer {other_device}"}) as r:
                assert r.status == 401
        await console.wait_for("session_ended")
        await console.wait_for("disconnect")
    finally:
        await console.close()
    async with server.gateway.session_factory() as s:
        audit = (await s.execute(select(AuditRecord).where(AuditRecord.action == "sessions_ended"))).scalars().all()
    assert [a.actor for a in audit] == ["agent:ann"]


async def test_a_console_opened_with_a_session_that_ended_can_do_nothing(server):
    await server.gateway.accounts.add_user("ann", "agent", PASSWORD)
    token, _ = await server.gateway.accounts.login("ann", PASSWORD)
    console = await AgentClient().connect(server.url, token)
    try:
        await server.gateway.accounts.logout(token)  # e.g. through another process
        ack = await console.call("queue", {})
        assert ack["error"]["code"] == "unauthorized"
        await console.wait_for("disconnect")
    finally:
        await console.close()


async def test_connects_and_messages_are_limited_per_address(sqlite_url, tmp_path, encoders):
    live = await start_server(make_settings(sqlite_url, tmp_path, gateway_chat_connects_per_minute=3,
                                            gateway_chat_messages_per_minute=4), encoders)
    clients = []
    try:
        for _ in range(3):
            clients.append(await ChatClient().connect(live.url))
        refused = ChatClient()
        with pytest.raises(Exception):
            await refused.connect(live.url)
        error = refused.events["connect_error"][-1]["data"]
        assert error["code"] == "rate_limited" and error["retry_after"] > 0
        await refused.sio.disconnect()

        # Each connection alone may burst 20, but together they share the address's 4.
        acks = [await clients[n % 3].send(f"hello {n}", f"m{n}") for n in range(6)]
        assert [a.get("status") for a in acks[:4]] == ["stored"] * 4
        assert all(a["error"]["code"] == "rate_limited" for a in acks[4:])
    finally:
        for client in clients:
            await client.close()
        await live.stop()


async def test_a_visitor_token_opens_only_its_own_conversation(server):
    alice = await ChatClient().connect(server.url)
    await alice.send("my phone is 13812345678", "a1")
    bob = await ChatClient().connect(server.url)
    try:
        assert bob.session["conversation_id"] != alice.session["conversation_id"]
        await asyncio.sleep(0.3)  # any replay would have arrived by now
        assert not any("13812345678" in m["text"] for m in bob.events["message"])
        # Bob cannot take Alice's conversation by naming it, nor by editing his token.
        forged = bob.session["visitor_token"][:-2] + ("AA" if not bob.session["visitor_token"].endswith("AA") else "BB")
        intruder = ChatClient()
        with pytest.raises(Exception):
            await intruder.connect(server.url, forged)
        assert intruder.events["connect_error"][-1]["data"]["code"] == "invalid_token"
        await intruder.sio.disconnect()
        ack = await bob.call("message", {"text": "hi", "client_msg_id": "b1",
                                         "conversation_id": alice.session["conversation_id"]})
        assert ack["status"] == "stored"
        async with server.gateway.session_factory() as s:
            from gateway.storage.tables import Message
            stored = (await s.execute(select(Message).where(Message.id == ack["id"]))).scalar_one()
        assert stored.conversation_id == bob.session["conversation_id"]
    finally:
        await alice.close()
        await bob.close()


async def test_oversized_bodies_are_refused_with_413(server):
    await server.gateway.accounts.add_user("amy", "agent", PASSWORD)
    token, _ = await server.gateway.accounts.login("amy", PASSWORD)
    async with aiohttp.ClientSession() as http:
        async with http.post(server.url + "/api/kb/search", headers={"Authorization": f"Bearer {token}"},
                             json={"text": "x" * (2 * 1024 * 1024)}) as r:
            assert r.status == 413 and (await r.json())["error"]["code"] == "too_large"
