"""The agent's order card in headless Chromium: a late order, answered by the bot from the
shop's API and handed off, shows in the console with what the shop said. Screenshot in
test-artifacts/order-card.png."""
import pytest
from playwright.async_api import expect

from tests.chat_client import ChatClient
from tests.e2e.accessibility import describe, serious_violations
from tests.e2e.test_console_browser import open_console, queue_row
from tests.e2e.test_order_lookups import bot_says, live, shop  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


async def test_a_late_order_is_handed_off_with_its_card_in_the_console(live, browser, artifacts):  # noqa: F811
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
