"""The service-hours API on a live gateway and an injected clock: who may read and save, what a
wrong calendar is told, and that a save moves the next hand-off's deadline, not the deadline of
a customer already waiting. Two processes: a save on one applies on the other."""
from __future__ import annotations

import asyncio

import aiohttp
import pytest

from gateway.web import service_hours_routes
from tests.conftest import make_settings, start_server
from tests.e2e.test_multiprocess import REDIS_URL, redis_available  # noqa: F401 (a fixture)
from tests.e2e.test_service_hours import HOURS, SetClock, at, hand_off, handoffs, login

EARLY = {"timezone": "Asia/Shanghai", "holidays": ["2026-12-25"], "weekly": {d: [["08:00", "22:00"]] for d in
         ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}, "clocks": {"first_response": "service"}}


async def call(server, method: str, token: str | None, body=None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as http:
        async with http.request(method, server.url + "/api/service-hours", json=body, headers=headers) as r:
            return r.status, await r.json()


def store(server):
    return server.gateway.app[service_hours_routes.SERVICES].calendar


@pytest.fixture
async def shop(sqlite_url, tmp_path, encoders):
    clock = SetClock(at(1, 23))
    live = await start_server(make_settings(sqlite_url, tmp_path, **HOURS), encoders, clock=clock)
    live.clock = clock
    yield live
    await live.stop()


async def test_supervisors_read_admins_save_agents_neither(shop):
    agent, supervisor, admin = [await login(shop, name, role) for name, role in
                                (("amy", "agent"), ("sue", "supervisor"), ("ada", "admin"))]
    assert (await call(shop, "GET", None))[0] == 401
    assert (await call(shop, "GET", agent))[0] == 403
    status, body = await call(shop, "GET", supervisor)
    assert status == 200
    assert (body["source"], body["version"], body["open_now"]) == ("settings", 0, False)
    assert body["next_opening"] == at(2, 9).isoformat()
    assert body["calendar"]["weekly"]["mon"] == [["09:00", "22:00"]] and body["calendar"]["holidays"] == ["2026-12-25"]
    for token in (agent, supervisor):
        status, body = await call(shop, "PUT", token, {"calendar": EARLY, "version": 0})
        assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = await call(shop, "PUT", admin, {"calendar": EARLY, "version": 0})
    assert status == 200
    assert (body["source"], body["version"], body["updated_by"]) == ("saved", 1, "admin:ada")
    assert body["next_opening"] == at(2, 8).isoformat()
    assert (await call(shop, "GET", supervisor))[1]["version"] == 1


@pytest.mark.parametrize("change, message", [
    ({"timezone": "Mars/Olympus"}, "calendar: unknown time zone 'Mars/Olympus'"),
    ({"weekly": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "overlapping spans"),
    ({"weekly": {"mon": [["18:00", "09:00"]]}}, "closes before it opens"),
    ({"weekly": {}}, "open on no day at all"),
    ({"holidays": ["2026-02-30"]}, "holiday '2026-02-30' is not a date"),
    ({"weekly": {"monday": [["09:00", "18:00"]]}}, "calendar.weekly.monday"),
    ({"weekly": {"mon": [["9 am", "18:00"]]}}, "calendar.weekly.mon.0.0"),
    ({"clocks": {"first_response": "sometimes"}}, "calendar.clocks.first_response"),
])
async def test_a_wrong_calendar_is_a_422_naming_the_problem(shop, change, message):
    admin = await login(shop, "ada", "admin")
    status, body = await call(shop, "PUT", admin, {"calendar": {**EARLY, **change}, "version": 0})
    assert status == 422 and body["error"]["code"] == "invalid"
    assert message in body["error"]["message"]
    assert (await call(shop, "GET", admin))[1]["version"] == 0


async def test_a_stale_version_is_a_409_and_every_save_is_in_the_audit_log(shop):
    admin = await login(shop, "ada", "admin")
    assert (await call(shop, "PUT", admin, {"calendar": EARLY, "version": 0}))[0] == 200
    status, body = await call(shop, "PUT", admin, {"calendar": {**EARLY, "holidays": []}, "version": 0})
    assert status == 409 and body["error"]["code"] == "conflict"
    shop.clock.now = at(1, 23, 1)
    assert (await call(shop, "PUT", admin, {"calendar": {**EARLY, "holidays": []}, "version": 1}))[1]["version"] == 2
    async with aiohttp.ClientSession() as http:
        async with http.get(shop.url + "/api/audit?type=service_hours",
                            headers={"Authorization": f"Bearer {admin}"}) as r:
            entries = (await r.json())["entries"]
    assert [(e["type"], e["actor"], e["summary"]) for e in entries] == [
        ("service_hours", "admin:ada", "version 2: holidays −2026-12-25"),
        ("service_hours", "admin:ada", "version 1: " + "; ".join(
            f"{d} 09:00-22:00 → 08:00-22:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")))]


async def test_a_save_moves_the_next_deadline_not_one_already_running(shop):
    admin = await login(shop, "ada", "admin")
    waiting, queued, _ = await hand_off(shop, "agent please", "w-1")
    assert queued["opens_at"] == at(2, 9).isoformat()
    assert (await call(shop, "PUT", admin, {"calendar": EARLY, "version": 0}))[0] == 200
    shop.clock.now = at(1, 23, 30)
    later, queued, notice = await hand_off(shop, "agent please", "l-1")
    assert queued["opens_at"] == at(2, 8).isoformat()
    assert "08:00 (Asia/Shanghai time)" in notice["text"]
    assert [h.first_response_due_at for h in await handoffs(shop)] == [at(2, 9, 10), at(2, 8, 10)]

    shop.clock.now = at(2, 8, 10)
    await shop.gateway.sweeper.sweep()
    first, second = await handoffs(shop)
    assert (first.breached_at, second.breached_at, first.warned_50_at) == (None, at(2, 8, 10), None)
    # The waiting one's warnings fall within its stored deadline, by the calendar in force:
    # half of the 70 service minutes from 08:00 to its 09:10.
    shop.clock.now = at(2, 8, 35)
    await shop.gateway.sweeper.sweep()
    first, _ = await handoffs(shop)
    assert (first.warned_50_at, first.breached_at) == (at(2, 8, 35), None)
    await waiting.close()
    await later.close()


async def test_a_save_on_one_process_applies_on_the_other(postgres_url, redis_available, tmp_path, encoders):  # noqa: F811
    if redis_available:
        pytest.skip(redis_available)
    clock = SetClock(at(1, 23))
    common = {**HOURS, "gateway_redis_url": REDIS_URL, "gateway_lease_seconds": 3,
              "gateway_calendar_refresh_seconds": 0.2}
    a = await start_server(make_settings(postgres_url, tmp_path / "a", **common), encoders, clock=clock)
    b = await start_server(make_settings(postgres_url, tmp_path / "b", **common), encoders, clock=clock)
    try:
        admin = await login(a, "ada", "admin")
        assert (await call(a, "PUT", admin, {"calendar": EARLY, "version": 0}))[0] == 200
        async with asyncio.timeout(10):
            while store(b).current().hours.to_dict()["weekly"]["mon"] != [["08:00", "22:00"]]:
                await asyncio.sleep(0.05)
        customer, queued, _ = await hand_off(b, "agent please", "b-1")
        assert queued["opens_at"] == at(2, 8).isoformat()
        assert [h.first_response_due_at for h in await handoffs(b)] == [at(2, 8, 10)]
        await customer.close()
    finally:
        await a.stop()
        await b.stop()
