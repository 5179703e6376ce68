"""Service hours end to end, on an injected clock: night hand-offs wait for the morning (across a
restart), holidays are skipped, nobody online is said honestly and supervisors hear it at once,
and Telegram customers read our texts in their app's language."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import select

from gateway.storage.tables import Conversation, Handoff
from tests.agent_client import AgentClient
from tests.chat_client import ChatClient
from tests.conftest import make_settings, start_server
from tests.fake_telegram import CUSTOMER, telegram_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "correct horse battery"
HOURS = {"gateway_service_hours": "mon-sun 09:00-22:00", "gateway_service_timezone": "Asia/Shanghai",
         "gateway_holidays": "2026-12-25", "gateway_first_response_sla_seconds": 600,
         "gateway_sla_sweep_seconds": 0.05}
OTHER = {"id": 2002, "is_bot": False, "first_name": "Sam", "language_code": "en"}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026 on the shop's clock (the 1st is a Tuesday), as UTC."""
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI).astimezone(timezone.utc)


class SetClock:
    """Time stands still until the test moves it."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class SupervisorClient(AgentClient):
    recorded = (*AgentClient.recorded, "no_agents_online")


async def handoffs(server) -> list[Handoff]:
    async with server.gateway.session_factory() as s:
        return list((await s.execute(select(Handoff).order_by(Handoff.id))).scalars().all())


async def hand_off(server, text: str, key: str) -> tuple[ChatClient, dict, dict]:
    customer = await ChatClient().connect(server.url)
    await customer.send(text, key)
    queued = await customer.wait_for("handoff", lambda h: h["state"] == "queued")
    notice = await customer.wait_for("message", lambda m: m["sender"] == "system")
    return customer, queued, notice


async def login(server, name: str, role: str) -> str:
    await server.gateway.accounts.add_user(name, role, PASSWORD)
    return (await server.gateway.accounts.login(name, PASSWORD))[0]


async def test_a_night_hand_off_is_due_after_opening_and_a_restart_changes_nothing(database_url, tmp_path, encoders):
    clock = SetClock(at(1, 23))
    settings = make_settings(database_url, tmp_path, **HOURS)
    first = await start_server(settings, encoders, clock=clock)
    try:
        night, queued, notice = await hand_off(first, "转人工", "n-1")
        assert queued["notice"] == "out_of_hours" and queued["opens_at"] == at(2, 9).isoformat()
        assert "estimated_wait_seconds" not in queued
        assert notice["text"].startswith("现在是非工作时间，客服将于12月2日（周三）09:00（Asia/Shanghai 时间）上线")
        clock.now = at(1, 23, 30)
        later, _, _ = await hand_off(first, "人工客服", "l-1")
        conversations = [night.session["conversation_id"], later.session["conversation_id"]]
        await night.close()
        await later.close()
    finally:
        await first.stop()
    assert [h.first_response_due_at for h in await handoffs(first)] == [at(2, 9, 10)] * 2

    clock.now = at(2, 8, 59)  # the whole night has passed while the gateway was down
    second = await start_server(settings, encoders, clock=clock)
    try:
        await second.gateway.sweeper.sweep()
        stored = await handoffs(second)
        assert [h.first_response_due_at for h in stored] == [at(2, 9, 10)] * 2
        assert all(h.warned_50_at is None and h.breached_at is None for h in stored)  # no alarm in the night

        clock.now = at(2, 9, 5)  # half of the ten service minutes
        await second.gateway.sweeper.sweep()
        assert [(h.warned_50_at, h.warned_80_at) for h in await handoffs(second)] == [(at(2, 9, 5), None)] * 2

        # At opening the first agent in takes the conversation that waited longest.
        agent = await second.gateway.accounts.principal(await login(second, "amy", "agent"))
        await second.gateway.desk.set_presence(agent, "online", capacity=1)
        async with second.gateway.session_factory() as s:
            owners = {c.id: c.assignee_id for c in (await s.execute(select(Conversation))).scalars().all()}
        assert [owners[c] for c in conversations] == [agent.user_id, None]

        clock.now = at(2, 9, 10)
        await second.gateway.sweeper.sweep()
        assert [h.breached_at for h in await handoffs(second)] == [at(2, 9, 10)] * 2
    finally:
        await second.stop()


async def test_a_hand_off_just_before_closing_and_one_on_a_holiday_eve(sqlite_url, tmp_path, encoders):
    clock = SetClock(at(1, 21, 55))
    live = await start_server(make_settings(sqlite_url, tmp_path, **HOURS), encoders, clock=clock)
    try:
        evening, queued, _ = await hand_off(live, "agent please", "e-1")
        assert queued["notice"] == "nobody_online"  # still open: the honest wait applies, not the night notice
        await live.gateway.sweeper.sweep()
        clock.now = at(1, 22)  # closing time while the customer waits: they hear when people are back
        await live.gateway.sweeper.sweep()
        closed = await evening.wait_for("handoff", lambda h: h.get("notice") == "out_of_hours")
        assert closed["opens_at"] == at(2, 9).isoformat() and closed["position"] == 1
        clock.now = at(24, 23)
        eve, queued, notice = await hand_off(live, "agent please", "h-1")
        assert queued["opens_at"] == at(26, 9).isoformat()  # the 25th is a holiday
        assert "back on Saturday 26 December at 09:00 (Asia/Shanghai time)" in notice["text"]
        assert [h.first_response_due_at for h in await handoffs(live)] == [at(2, 9, 5), at(26, 9, 10)]
        await evening.close()
        await eve.close()
    finally:
        await live.stop()


async def test_nobody_online_inside_hours_is_told_and_supervisors_hear_at_once(sqlite_url, tmp_path, encoders):
    clock = SetClock(at(1, 14))
    live = await start_server(make_settings(sqlite_url, tmp_path, **HOURS), encoders, clock=clock)
    supervisor = await SupervisorClient().connect(live.url, await login(live, "sue", "supervisor"))
    try:
        alone, queued, notice = await hand_off(live, "agent please", "a-1")
        assert queued["agents_online"] == 0 and queued["notice"] == "nobody_online"
        assert "estimated_wait_seconds" not in queued
        assert "No one from our team is online right now" in notice["text"]
        alert = await supervisor.wait_for("no_agents_online", timeout=5)
        assert alert["conversation_id"] == alone.session["conversation_id"]
        assert alert["due_at"] == at(1, 14, 10).isoformat()

        # With someone online (busy with the first customer) the next one gets a real estimate, no alert.
        agent = await live.gateway.accounts.principal(await login(live, "amy", "agent"))
        await live.gateway.desk.set_presence(agent, "online", capacity=1)
        served, queued, notice = await hand_off(live, "agent please", "s-1")
        assert queued["agents_online"] == 1 and queued["estimated_wait_seconds"] > 0 and "notice" not in queued
        assert notice["text"] == "You are number 1 in the queue for a person."
        served_id = served.session["conversation_id"]
        await supervisor.wait_for("queue", lambda q: any(c["id"] == served_id for c in q["conversations"]))
        assert [a["conversation_id"] for a in supervisor.events["no_agents_online"]] == [
            alone.session["conversation_id"]]  # the alert comes before the queue update on the same socket
        await alone.close()
        await served.close()
    finally:
        await supervisor.close()
        await live.stop()


async def test_telegram_texts_follow_the_app_language_first(sqlite_url, tmp_path, encoders, fake_telegram):
    fake, clock = fake_telegram, SetClock(at(1, 23))
    live = await start_server(telegram_settings(sqlite_url, tmp_path, fake, **HOURS), encoders, clock=clock)
    try:
        fake.text("agent please")  # English words from an app set to Chinese (zh-hans)
        await fake.wait_for_text("正在为您转接人工客服")
        await fake.wait_for_text("现在是非工作时间，客服将于12月2日（周三）09:00")
        fake.text("转人工", user=OTHER)  # Chinese words from an app set to English
        await fake.wait_for_text("Our team is offline now and back on Wednesday 2 December at 09:00")
        assert not [c for c in fake.sent(chat_id=OTHER["id"]) if "人工" in c.params["text"]]

        token = await login(live, "sue", "supervisor")
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
            async with http.get(f"{live.url}/api/conversations?status=queued") as r:
                queued = (await r.json())["conversations"]
            for conversation in queued:
                async with http.post(f"{live.url}/api/conversations/{conversation['id']}/resolve") as r:
                    assert r.status == 200
        ask_zh = await fake.wait_for_text("请为本次服务打分")
        ask_en = await fake.wait_for_text("How did we do?")
        assert (ask_zh.params["chat_id"], ask_en.params["chat_id"]) == (str(CUSTOMER["id"]), str(OTHER["id"]))
    finally:
        await live.stop()


async def test_complaint_clocks_major_on_the_wall_ordinary_in_service_time(sqlite_url, tmp_path, encoders):
    clock = SetClock(at(1, 23))
    live = await start_server(make_settings(sqlite_url, tmp_path, **HOURS), encoders, clock=clock)
    try:
        customer, _, _ = await hand_off(live, "你们卖的茶叶发霉了，我要退款，不处理我就打12315投诉！", "m-1")
        token = await login(live, "kim", "agent")
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
            async with http.post(f"{live.url}/api/complaints", json={
                    "conversation_id": customer.session["conversation_id"], "category": "logistics",
                    "severity": "ordinary", "demand": "exchange", "evidence_message_ids": []}) as r:
                assert r.status == 201
            async with http.get(f"{live.url}/api/conversations/{customer.session['conversation_id']}") as r:
                complaints = (await r.json())["complaints"]
        due = {(c["severity"], k["kind"]): k["due_at"] for c in complaints for k in c["clocks"]}
        assert due[("major", "supervisor")] == at(2, 0).isoformat()  # safety does not wait for the morning
        assert due[("ordinary", "contact")] == at(2, 11).isoformat()  # two service hours from opening
        await customer.close()
    finally:
        await live.stop()
