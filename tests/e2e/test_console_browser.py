"""The agent console in headless Chromium, with a real customer on the other side (the widget
page in a second browser context, or a real Socket.IO chat client). Screenshots go to test-artifacts/."""
import asyncio
import re

import pytest
from playwright.async_api import expect

from tests.chat_client import ChatClient
from tests.conftest import make_settings, start_server

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "correct horse battery"
# The demo canned reply /greet (handoff/canned_demo.py), its {agent_name} filled in by the console.
GREETING = "您好，我是客服ann，很高兴为您服务，请问有什么可以帮您？"
HOSTILE = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


@pytest.fixture
async def sla2(sqlite_url, tmp_path, encoders):
    """A gateway whose first-response target is two seconds, swept five times a second."""
    live = await start_server(make_settings(sqlite_url, tmp_path, gateway_first_response_sla_seconds=2,
                                            gateway_sla_sweep_seconds=0.2), encoders)
    yield live
    await live.stop()


async def open_console(browser, server, username="ann", role="agent"):
    """A staff member logs in through the page; returns the page and the script errors it raised."""
    await server.gateway.accounts.add_user(username, role, PASSWORD)
    context = await browser.new_context(viewport=DESKTOP, locale="en-US")
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(server.url + "/console")
    await expect(page.locator("#login-form")).to_be_visible()
    await page.fill("#login-username", username)
    await page.fill("#login-password", "wrong password")
    await page.click("#login-submit")
    await expect(page.locator("#login-error")).to_have_text("Wrong username or password.")
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#me-name")).to_have_text(username)
    await expect(page.locator("#me-role")).to_have_text(role)
    await expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page, errors


async def queued_customer(server, *texts) -> ChatClient:
    """A real chat client that asked for a person, then said `texts`."""
    customer = await ChatClient().connect(server.url)
    await customer.send("转人工", "c-handoff")
    await customer.wait_for("handoff", lambda h: h["state"] == "queued")
    for n, text in enumerate(texts):
        assert "id" in await customer.send(text, f"c-{n}")
    return customer


def queue_row(page, text):
    return page.locator("#queue li.conv").filter(has_text=text)


async def open_and_claim(page, row_text):
    await queue_row(page, row_text).click()
    await expect(page.locator("#conv-status")).to_have_text("queued")
    await page.click("#claim")
    await expect(page.locator("#conv-status")).to_have_text("assigned")
    await expect(page.locator("#reply-text")).to_be_enabled()


async def test_an_agent_logs_in_claims_a_widget_customer_and_the_reply_reaches_the_widget(server, browser, artifacts):
    console, console_errors = await open_console(browser, server)
    queue = console.locator("#queue")
    await expect(queue).to_contain_text("Nobody is waiting.")
    await console.select_option("#presence", "away")
    await expect(console.locator("#presence-state")).to_have_text("away · up to 5")

    shopper = await (await browser.new_context(viewport=DESKTOP, locale="zh-CN")).new_page()
    await shopper.goto(server.url + "/")
    await shopper.click("#launcher")
    await shopper.fill("#input", "转人工")
    await shopper.press("#input", "Enter")
    await expect(shopper.locator("#status")).to_contain_text("排队位置：1")

    # The queue updates live: position, hand-off kind, waiting time and a ticking SLA countdown.
    row = queue_row(console, "转人工")
    await expect(row).to_have_count(1)
    await expect(queue).not_to_contain_text("Nobody is waiting.")
    await expect(row.locator(".pos")).to_have_text("#1")
    await expect(row.locator(".kind")).to_have_text("human_request")
    await expect(row.locator(".wait")).to_have_text(re.compile(r"^waiting \d+:\d\d$"))
    sla = row.locator(".sla")
    await expect(sla).to_have_text(re.compile(r"^SLA (9:5\d|10:00) left$"))
    before = int(await sla.get_attribute("data-seconds-left"))
    await console.wait_for_timeout(2500)
    assert int(await sla.get_attribute("data-seconds-left")) < before

    # Its context: the hand-off reason, the transcript by sender, the bot's attempt.
    await row.click()
    await expect(console.locator("#ctx-handoff")).to_contain_text("customer asked for a person")
    await expect(console.locator("#ctx-handoff")).to_contain_text("human_request")
    await expect(console.locator('#transcript .msg[data-sender="customer"] .text')).to_have_text("转人工")
    await expect(console.locator('#transcript .msg[data-sender="bot"]').first).to_be_visible()
    await expect(console.locator("#ctx-attempts")).to_contain_text("handoff")
    await expect(console.locator("#reply-text")).to_be_disabled()  # claim first

    await console.click("#claim")
    await expect(console.locator("#conv-status")).to_have_text("assigned")
    await expect(console.locator("#mine li.conv")).to_have_count(1)
    await expect(console.locator("#queue li.conv")).to_have_count(0)
    await expect(shopper.locator("#status")).to_contain_text("ann")

    # Typing both ways, and the customer's next message arrives live.
    await shopper.locator("#input").press_sequentially("hi")  # key presses, as an IME's would not be
    await expect(console.locator("#typing")).to_have_text("customer is typing…")
    await shopper.fill("#input", "在吗")
    await shopper.press("#input", "Enter")
    await expect(console.locator('#transcript .msg[data-sender="customer"] .text').last).to_have_text("在吗")

    await console.locator('#canned button[data-shortcut="greet"]').click()
    await expect(console.locator("#reply-text")).to_have_value(GREETING)
    await console.click("#reply-send")
    await expect(console.locator('#transcript .msg[data-sender="agent"] .text')).to_have_text(GREETING)
    await expect(console.locator("#reply-text")).to_have_value("")
    await expect(shopper.locator('.msg[data-sender="agent"]')).to_have_text(GREETING)
    await expect(console.locator("#mine li.conv .sla")).to_have_text("answered")  # the first reply stops the clock

    await console.fill("#note-text", "Regular customer, prefers Chinese.")
    await console.press("#note-text", "Enter")
    await expect(console.locator("#ctx-notes")).to_contain_text("Regular customer, prefers Chinese.")
    await expect(console.locator("#ctx-notes")).to_contain_text("ann")

    await console.screenshot(path=str(artifacts / "console-agent-conversation.png"))
    await shopper.screenshot(path=str(artifacts / "console-widget-agent-reply.png"))

    await console.click("#resolve")
    await expect(console.locator("#conv-status")).to_have_text("resolved")
    await expect(console.locator("#mine li.conv")).to_have_count(0)
    await expect(shopper.locator('.msg[data-sender="system"]').last).to_contain_text("请为本次服务打分")

    await console.click("#logout")
    await expect(console.locator("#login-form")).to_be_visible()
    await console.reload()
    await expect(console.locator("#login-form")).to_be_visible()  # the session is gone, not only hidden
    assert console_errors == []


async def test_hostile_customer_text_is_shown_as_text(server, browser, artifacts):
    customer = await queued_customer(server, "你好 " + HOSTILE)
    try:
        console, errors = await open_console(browser, server)
        dialogs = []
        console.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        row = queue_row(console, "window.__xss")
        await expect(row.locator(".conv-text")).to_have_text("你好 " + HOSTILE)
        await row.click()
        shown = console.locator('#transcript .msg[data-sender="customer"] .text')
        await expect(shown.last).to_have_text("你好 " + HOSTILE)
        await expect(shown.last).to_be_visible()
        await expect(console.locator("#ctx-summary")).to_contain_text("<script>")

        # And live, while the conversation is on screen.
        live = '<b>粗体</b><img src=x onerror="window.__xss=3">'
        await customer.send(live, "c-live")
        await expect(shown.last).to_have_text(live)

        assert await console.evaluate("typeof window.__xss") == "undefined"
        assert await console.locator("#transcript img").count() == 0
        assert await console.locator("img").count() == 0
        assert await console.locator("#transcript b, #queue b, #transcript script").count() == 0
        assert dialogs == [] and errors == []
        await console.screenshot(path=str(artifacts / "console-hostile-text.png"))
    finally:
        await customer.close()


async def test_the_reply_guard_holds_a_brush_off_until_the_agent_sends_it_anyway(server, browser, artifacts):
    customer = await queued_customer(server, "我的包裹到哪了？")
    try:
        console, errors = await open_console(browser, server)
        await open_and_claim(console, "我的包裹到哪了")
        await customer.wait_for("handoff", lambda h: h["state"] == "assigned")

        await console.fill("#reply-text", "不知道")
        await console.click("#reply-send")
        guard = console.locator("#guard")
        await expect(guard).to_be_visible()
        await expect(guard.locator('li[data-kind="brush_off"]')).to_contain_text("不知道")
        await expect(guard).to_contain_text("brushes the customer off")
        await expect(console.locator("#reply-text")).to_have_value("不知道")  # kept for editing
        await console.screenshot(path=str(artifacts / "console-reply-guard.png"))
        await asyncio.sleep(1.0)
        assert not [m for m in customer.events["message"] if m["sender"] == "agent"]
        assert await console.locator('#transcript .msg[data-sender="agent"]').count() == 0

        await console.click("#send-anyway")
        reply = await customer.wait_for("message", lambda m: m["sender"] == "agent")
        assert reply["text"] == "不知道"
        await expect(guard).to_be_hidden()
        await expect(console.locator('#transcript .msg[data-sender="agent"] .text')).to_have_text("不知道")
        assert errors == []
    finally:
        await customer.close()


async def test_a_supervisor_sees_every_open_conversation_and_the_breached_one_in_red(sla2, browser, artifacts):
    console, errors = await open_console(browser, sla2, "sue", "supervisor")
    await expect(console.locator("#open-block")).to_be_visible()
    waiting = await queued_customer(sla2, "订单一直没发货")
    try:
        row = console.locator("#open li.conv").filter(has_text="订单一直没发货")
        await expect(row).to_have_count(1)
        await expect(row).to_have_class(re.compile(r"\bbreached\b"), timeout=10_000)
        await expect(row.locator(".sla")).to_have_text(re.compile(r"^SLA breached \d+:\d\d ago$"))
        await expect(console.locator("#flash")).to_contain_text("Breached")
        await expect(queue_row(console, "订单一直没发货")).to_have_class(re.compile(r"\bbreached\b"))
        await console.screenshot(path=str(artifacts / "console-supervisor-breach.png"))
        assert errors == []
    finally:
        await waiting.close()


async def test_a_console_whose_login_ends_elsewhere_asks_for_a_login_and_comes_back_live(server, browser):
    customer = await queued_customer(server, "我的包裹丢了")
    try:
        console, errors = await open_console(browser, server)
        await expect(queue_row(console, "我的包裹丢了")).to_be_visible()
        # The agent's own top bar offers only the pages an agent may open.
        await expect(console.locator("#topbar nav a")).to_have_text(["Console"])

        # "Log out everywhere" on another device ends this login too; the server closes the feed.
        other = await (await browser.new_context(viewport=DESKTOP, locale="en-US")).new_page()
        await other.goto(server.url + "/console")
        await other.fill("#login-username", "ann")
        await other.fill("#login-password", PASSWORD)
        await other.click("#login-submit")
        await expect(other.locator("#connection")).to_have_attribute("data-state", "online")
        await other.click("#logout-everywhere")
        await expect(other.locator("#login-form")).to_be_visible()
        await expect(other.locator("#login-error")).to_have_text("")
        await expect(console.locator("#login-error")).to_have_text("Your session ended; please log in again.")
        await expect(console.locator("#app")).to_be_hidden()
        await expect(console.locator("#connection")).to_have_attribute("data-state", "offline")

        await console.fill("#login-username", "ann")
        await console.fill("#login-password", PASSWORD)
        await console.click("#login-submit")
        await expect(console.locator("#connection")).to_have_attribute("data-state", "online")
        await expect(queue_row(console, "我的包裹丢了")).to_be_visible()
        await expect(console.locator("#topbar nav a")).to_have_count(1)  # drawn again, not twice
        assert errors == []
    finally:
        await customer.close()
