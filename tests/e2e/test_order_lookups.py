"""Order-status answers on a live gateway from a shop API on 127.0.0.1
(tests/fake_shop_api.py): zh and en questions answered once the phone digits match; an
unknown order, an API error and a timeout each handed to a person with the reason and the
order card, which the console shows (headless Chromium, test-artifacts/order-card.png); and
without the setting, the bot as before."""
from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.chat_client import ChatClient
from tests.conftest import make_settings, start_server
from tests.e2e.accessibility import describe, serious_violations
from tests.e2e.test_console_browser import open_console, queue_row
from tests.e2e.test_service_hours import login
from tests.e2e.test_workspace_api import call
from tests.fake_shop_api import ShopApi

TOKEN = "shop-token-0123456789"
ORDERS = [
    {"order_id": "2023110288", "status": "in_transit", "carrier": "顺丰速运", "tracking_number": "SF1234567890",
     "expected_date": "2099-12-09", "phone_last4": "5678"},
    {"order_id": "A1B2C3", "status": "shipped", "carrier": "UPS", "tracking_number": "1Z999AA10123456784",
     "expected_date": "2099-01-15", "phone_last4": "4321"},
    {"order_id": "2023110277", "status": "shipped", "carrier": "中通快递", "tracking_number": "ZT7788990011",
     "expected_date": "2020-01-02", "phone_last4": "1111"},
    {"order_id": "2023110299", "status": "failing", "carrier": None, "tracking_number": None,
     "expected_date": None, "phone_last4": "0000"},
    {"order_id": "2023110300", "status": "hanging", "carrier": None, "tracking_number": None,
     "expected_date": None, "phone_last4": "0000"},
]


@pytest.fixture
async def shop():
    api = await ShopApi(TOKEN, ORDERS).start()
    api.failing.add("2023110299")
    api.hanging.add("2023110300")
    yield api
    await api.stop()


@pytest.fixture
async def live(sqlite_url, tmp_path, encoders, shop):
    server = await start_server(make_settings(sqlite_url, tmp_path, gateway_order_lookup_url=shop.lookup_url,
                                              gateway_order_lookup_token=TOKEN,
                                              gateway_order_lookup_timeout_seconds=1.0), encoders)
    yield server
    await server.stop()


async def bot_says(customer: ChatClient, text: str, n: int, timeout: float = 20) -> dict:
    """Send a line and wait for the bot's answer to it (the conversation's n-th bot message)."""
    assert "id" in await customer.send(text, f"c-{n}")
    found = await customer.wait_count("message", n, lambda m: m["sender"] == "bot", timeout=timeout)
    return found[n - 1]


async def test_order_questions_in_chinese_and_english_are_answered_once_the_phone_digits_match(live, shop):
    zh, en = await ChatClient().connect(live.url), await ChatClient().connect(live.url)
    try:
        asked = await bot_says(zh, "订单2023110288到哪了", 1)
        assert "后四位" in asked["text"] and "SF1234567890" not in asked["text"]
        answer = await bot_says(zh, "5678", 2)
        assert "运输中" in answer["text"] and "顺丰速运" in answer["text"] and "SF1234567890" in answer["text"]
        assert "2099年12月9日" in answer["text"]

        assert "order number" in (await bot_says(en, "where's my order?", 1))["text"]
        assert "last four digits" in (await bot_says(en, "#A1B2C3", 2))["text"]
        wrong = await bot_says(en, "1234", 3)
        assert "don't match" in wrong["text"] and "1Z999" not in wrong["text"]
        answer = await bot_says(en, "4321", 4)
        assert "shipped" in answer["text"] and "1Z999AA10123456784" in answer["text"]
        assert "15 January 2099" in answer["text"]
        assert zh.events["handoff"] == [] and en.events["handoff"] == []  # the bot kept both
        assert shop.requests.count("2023110288") == 2 and shop.refused == 0  # looked up at each step
    finally:
        await zh.close()
        await en.close()


@pytest.mark.parametrize("question, kind, lookup", [
    ("我的订单9999999999到哪了？", "order_unknown", "not_found"),
    ("where is my order 2023110299", "order_lookup_failed", "failed"),
    ("订单2023110300怎么还没到", "order_lookup_failed", "timed_out"),
])
async def test_an_unknown_order_an_error_and_a_timeout_each_hand_off_with_a_reason(live, shop, question, kind,
                                                                                     lookup):
    agent = await login(live, "amy", "agent")
    customer = await ChatClient().connect(live.url)
    try:
        reply = await bot_says(customer, question, 1)
        await customer.wait_for("handoff", lambda h: h["state"] == "queued", timeout=10)
        conversation_id = customer.session["conversation_id"]
        status, package = await call(live, "GET", f"/api/conversations/{conversation_id}", agent)
        assert status == 200, package
        assert package["handoff"]["kind"] == kind
        assert package["handoff"]["reason_text"] and package["handoff"]["reason"]
        assert package["order"]["lookup"] == lookup and package["order"]["order_id"] in question
        assert "phone_last4" not in package["order"]
        if lookup != "not_found":
            assert package["order"]["error"]
        assert reply["text"]
    finally:
        await customer.close()


async def test_a_verified_order_shows_on_the_agents_order_card(live, shop):
    agent = await login(live, "amy", "agent")
    customer = await ChatClient().connect(live.url)
    try:
        await bot_says(customer, "订单2023110288到哪了", 1)
        await bot_says(customer, "5678", 2)
        await bot_says(customer, "转人工", 3)
        await customer.wait_for("handoff", lambda h: h["state"] == "queued", timeout=10)
        _, package = await call(live, "GET", f"/api/conversations/{customer.session['conversation_id']}", agent)
        assert package["order"] == {"order_id": "2023110288", "status": "in_transit", "carrier": "顺丰速运",
                                    "tracking_number": "SF1234567890", "expected_date": "2099-12-09",
                                    "lookup": "found", "verified": True}
        assert [a["decision"] for a in package["bot_attempts"]] == ["order_ask_phone", "order_status", "handoff"]
    finally:
        await customer.close()


async def test_without_the_setting_order_questions_go_to_the_knowledge_base_as_before(server):
    """The `server` gateway has no order lookup configured."""
    supervisor = await login(server, "sue", "supervisor")
    customer = await ChatClient().connect(server.url)
    try:
        reply = await bot_says(customer, "订单2023110288到哪了", 1)
        assert "后四位" not in reply["text"]
        _, package = await call(server, "GET", f"/api/conversations/{customer.session['conversation_id']}",
                                supervisor)
        attempt, = package["bot_attempts"]
        assert attempt["decision"] in ("answer", "clarify", "handoff") and attempt["results"]  # searched the KB
        assert package["order"] is None
    finally:
        await customer.close()


@pytest.mark.browser
async def test_a_late_order_is_handed_off_with_its_card_in_the_console(live, browser, artifacts):
    console, errors = await open_console(browser, live)
    customer = await ChatClient().connect(live.url)
    try:
        await bot_says(customer, "订单2023110277怎么还没到", 1)
        late = await bot_says(customer, "1111", 2)
        assert "ZT7788990011" in late["text"] and "转接人工" in late["text"]
        await customer.wait_for("handoff", lambda h: h["state"] == "queued", timeout=10)

        row = queue_row(console, "1111")
        await expect(row).to_have_count(1)
        await expect(row).to_contain_text("late order")
        await row.click()
        card = console.locator("#ctx-order-block")
        await expect(card).to_be_visible()
        await expect(card.locator("h3")).to_have_text("Order")
        await expect(card.locator(".order-id")).to_have_text("2023110277")
        await expect(card.locator(".order-status")).to_have_text("shipped")
        await expect(card.locator(".order-tracking")).to_have_text("ZT7788990011")
        await expect(card.locator(".order-verified")).to_have_text("yes (phone digits matched)")
        await expect(card.locator(".breached")).to_have_text("2020-01-02 · past its expected date")
        await expect(console.locator("#ctx-handoff .reason")).to_have_text("order is past its expected delivery date")
        await console.screenshot(path=str(artifacts / "order-card.png"))
        violations = await serious_violations(console)
        assert violations == [], describe(violations)
        assert errors == []
    finally:
        await customer.close()
