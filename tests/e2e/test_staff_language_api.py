"""A staff account's language over HTTP, on SQLite and PostgreSQL: read with /api/auth/me,
changed with PUT /api/auth/me/language, kept across logins."""
import aiohttp
import pytest

from tests.conftest import make_settings, start_server

PASSWORD = "correct horse battery"


@pytest.fixture
async def live(database_url, tmp_path, encoders):
    server = await start_server(make_settings(database_url, tmp_path), encoders)
    yield server
    await server.stop()


async def call(server, token, method, path, body=None, raw=None):
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if raw is not None:
            headers["Content-Type"] = "application/json"
        async with http.request(method, server.url + path, json=body, data=raw, headers=headers) as r:
            return r.status, await r.json()


async def test_an_agent_chooses_chinese_and_every_later_login_reads_it(live):
    await live.gateway.accounts.add_user("mei", "agent", PASSWORD)
    token, _ = await live.gateway.accounts.login("mei", PASSWORD)
    assert (await call(live, token, "GET", "/api/auth/me"))[1]["language"] == "en"  # the default

    assert await call(live, token, "PUT", "/api/auth/me/language", {"language": "zh-CN"}) == (200, {"language": "zh-CN"})
    again, _ = await live.gateway.accounts.login("mei", PASSWORD)
    status, me = await call(live, again, "GET", "/api/auth/me")
    assert status == 200 and me["language"] == "zh-CN" and me["username"] == "mei"


@pytest.mark.parametrize("body", [{"language": "fr"}, {"language": "zh"}, {"language": None}, {}, {"language": 1}])
async def test_only_the_offered_languages_are_taken(live, body):
    await live.gateway.accounts.add_user("ed", "editor", PASSWORD)
    token, _ = await live.gateway.accounts.login("ed", PASSWORD)
    status, answer = await call(live, token, "PUT", "/api/auth/me/language", body)
    assert status == 422 and set(answer["error"]) >= {"code", "message"}
    assert (await call(live, token, "GET", "/api/auth/me"))[1]["language"] == "en"


async def test_a_stranger_or_a_broken_body_is_refused(live):
    assert (await call(live, None, "PUT", "/api/auth/me/language", {"language": "en"}))[0] == 401
    await live.gateway.accounts.add_user("sue", "supervisor", PASSWORD)
    token, _ = await live.gateway.accounts.login("sue", PASSWORD)
    assert (await call(live, token, "PUT", "/api/auth/me/language", raw=b"{not json"))[0] == 400
