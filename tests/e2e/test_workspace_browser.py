"""The agent's workspace in headless Chromium (issue #18): suggested answers from the knowledge
base, inserted, edited and sent with the entry they came from; canned replies kept on /canned
by a supervisor and picked in the console with "/". A real customer is on the other side (the
widget page in a second browser context, or a Socket.IO chat client). Screenshots go to
test-artifacts/."""
import re

import pytest
from playwright.async_api import expect

from tests.e2e.accessibility import describe, serious_violations
from tests.e2e.test_console_browser import DESKTOP, PASSWORD, open_and_claim, open_console, queue_row, queued_customer

pytestmark = pytest.mark.browser

# knowledge_base/demo/faq.yaml, tracking-zh.
TRACKING_ANSWER = "发货后，快递单号会显示在订单详情页，同时以短信发送到您的手机。点击订单页中的单号即可查看最新物流信息。"
SCORE = re.compile(r"^(0\.\d\d|1\.00)$")


async def conversation(page, server, conversation_id) -> dict:
    """The conversation as the API gives it to the page's own login."""
    response = await page.request.get(f"{server.url}/api/conversations/{conversation_id}")
    assert response.status == 200, await response.text()
    return await response.json()


def agent_messages(package) -> list[dict]:
    return [m for m in package["transcript"] if m["sender"] == "agent"]


async def test_an_agent_inserts_a_suggested_answer_edits_it_and_the_reply_names_its_entry(server, browser, artifacts):
    console, errors = await open_console(browser, server)

    shopper = await (await browser.new_context(viewport=DESKTOP, locale="zh-CN")).new_page()
    shopper_errors = []
    shopper.on("pageerror", lambda exc: shopper_errors.append(str(exc)))
    await shopper.goto(server.url + "/")
    await shopper.click("#launcher")
    await shopper.fill("#input", "转人工")
    await shopper.press("#input", "Enter")
    await expect(shopper.locator("#status")).to_contain_text("排队位置：1")
    await shopper.fill("#input", "物流信息哪看？快递单号在哪里？")
    await shopper.press("#input", "Enter")

    row = queue_row(console, "物流信息哪看")
    await expect(row).to_have_count(1)
    conversation_id = await row.get_attribute("data-id")
    await row.click()
    await expect(console.locator("#conv-status")).to_have_text("queued")

    # The customer's question brings the knowledge base's tracking entry, with its score; the
    # agent may not insert before claiming.
    panel = console.locator("#suggestions")
    await expect(panel.locator("h3")).to_have_text("Suggested answers")
    tracking = panel.locator('li.sugg[data-entry-id="tracking-zh"]')
    await expect(tracking).to_have_count(1)
    await expect(panel.locator("li.sugg").first).to_have_attribute("data-entry-id", "tracking-zh")
    await expect(tracking.locator(".sugg-q")).to_have_text("怎么查物流？")
    await expect(tracking.locator(".score")).to_have_text(SCORE)
    await expect(tracking.locator(".sugg-a")).to_have_text(TRACKING_ANSWER)
    await expect(tracking.locator("button.sugg-insert")).to_be_disabled()
    # The canned buttons follow the customer's language.
    await expect(console.locator('#canned button[data-shortcut="greet"]')).to_have_text("问候")
    await expect(console.locator('#canned button[data-shortcut="greet"]')).to_have_attribute("title", re.compile("^/greet · 您好"))

    await console.click("#claim")
    await expect(console.locator("#conv-status")).to_have_text("assigned")
    await expect(tracking.locator("button.sugg-insert")).to_be_enabled()
    await tracking.locator("button.sugg-insert").click()
    box = console.locator("#reply-text")
    await expect(box).to_have_value(TRACKING_ANSWER)
    await expect(box).to_be_focused()

    # The agent makes the answer their own before sending it.
    await box.press("End")
    await box.press_sequentially("如需帮助请随时告诉我。")
    edited = TRACKING_ANSWER + "如需帮助请随时告诉我。"
    await expect(box).to_have_value(edited)
    await console.screenshot(path=str(artifacts / "workspace-suggestion-inserted.png"))
    found = await serious_violations(console)
    assert not found, describe(found)
    await box.press("Enter")

    await expect(console.locator('#transcript .msg[data-sender="agent"] .text')).to_have_text(edited)
    await expect(box).to_have_value("")
    await expect(shopper.locator('.msg[data-sender="agent"]')).to_have_text(edited)
    sent = agent_messages(await conversation(console, server, conversation_id))
    assert [(m["text"], m.get("entry_id")) for m in sent] == [(edited, "tracking-zh")]

    # A reply the agent writes themselves, after that one, names no entry.
    await box.fill("还有其他问题吗？")
    await box.press("Enter")
    await expect(shopper.locator('.msg[data-sender="agent"]').last).to_have_text("还有其他问题吗？")
    sent = agent_messages(await conversation(console, server, conversation_id))
    assert [(m["text"], m.get("entry_id")) for m in sent] == [(edited, "tracking-zh"), ("还有其他问题吗？", None)]

    # The panel's search finds any entry by its words.
    await panel.locator("#sugg-search").fill("发票")
    invoice = panel.locator('li.sugg[data-entry-id="invoice-zh"]')
    await expect(invoice).to_have_count(1)
    await expect(invoice.locator(".sugg-q")).to_have_text("可以开发票吗？")
    await console.screenshot(path=str(artifacts / "workspace-suggestion-search.png"))
    await shopper.screenshot(path=str(artifacts / "workspace-widget-edited-answer.png"))
    assert errors == [] and shopper_errors == []


async def open_canned_page(browser, server, username, role):
    await server.gateway.accounts.add_user(username, role, PASSWORD)
    page = await (await browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="UTC")).new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    assert (await page.goto(f"{server.url}/canned")).status == 200
    await page.fill("#login-username", username)
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#me-role")).to_have_text(role)
    return page, errors


async def test_a_supervisor_adds_a_canned_reply_and_an_agent_picks_it_with_slash(server, browser, artifacts):
    page, page_errors = await open_canned_page(browser, server, "sue", "supervisor")
    await expect(page.locator("#topbar nav a[aria-current=page]")).to_have_text("Canned replies")
    rows = page.locator("#canned-rows tr")
    await expect(page.locator('#canned-rows tr[data-shortcut="greet"]')).to_have_count(2)  # the demo's, zh and en
    seeded = await rows.count()

    # A shortcut already used in that language is refused, in words.
    await page.fill("#canned-shortcut", "greet")
    await page.select_option("#canned-language", "zh")
    await page.fill("#canned-title-input", "又一个问候")
    await page.fill("#canned-text", "您好")
    await page.click("#canned-save")
    await expect(page.locator("#canned-error")).to_have_text("The shortcut /greet is already taken in Chinese; pick another one.")
    await expect(rows).to_have_count(seeded)

    text = "您好，我是客服{agent_name}。让您久等了{customer_wait}分钟，您的快递单号在订单详情页可以查到。"
    await page.fill("#canned-shortcut", "tracking")
    await page.fill("#canned-title-input", "物流单号")
    await page.fill("#canned-text", text)
    await page.click("#canned-save")
    added = page.locator('#canned-rows tr[data-shortcut="tracking"]')
    await expect(added).to_have_count(1)
    await expect(page.locator("#canned-error")).to_have_text("")
    await expect(rows).to_have_count(seeded + 1)
    await expect(added.locator("td.text")).to_have_text(text)
    await expect(added.locator("td.updated")).to_contain_text("sue")

    # Editing goes through the same form.
    await added.get_by_role("button", name="Edit /tracking (Chinese)").click()
    await expect(page.locator("#form-title")).to_have_text("Edit /tracking")
    await expect(page.locator("#canned-text")).to_have_value(text)
    await page.fill("#canned-title-input", "查物流")
    await page.click("#canned-save")
    await expect(added.locator("td.title")).to_have_text("查物流")
    await expect(page.locator("#form-title")).to_have_text("Add a reply")
    await page.screenshot(path=str(artifacts / "workspace-canned-page.png"), full_page=True)

    customer = await queued_customer(server, "我的快递到哪了？")
    try:
        console, errors = await open_console(browser, server)
        await open_and_claim(console, "我的快递到哪了")
        await customer.wait_for("handoff", lambda h: h["state"] == "assigned")
        box = console.locator("#reply-text")
        picker = console.locator("#canned-picker")
        options = picker.locator('[role="option"]')

        # "/" lists every reply, the customer's language first; the arrows move the highlight,
        # which the reply box names for screen readers; Escape closes.
        await box.click()
        await box.press_sequentially("/")
        await expect(picker).to_be_visible()
        await expect(options).to_have_count(seeded + 1)
        await expect(options.first).to_contain_text("/bye")
        await expect(options.first).to_have_attribute("lang", "zh-CN")
        await expect(options.first).to_have_attribute("aria-selected", "true")
        await expect(box).to_have_attribute("aria-activedescendant", await options.first.get_attribute("id"))
        await box.press("ArrowDown")
        await expect(options.nth(1)).to_have_attribute("aria-selected", "true")
        await expect(options.first).to_have_attribute("aria-selected", "false")
        await expect(box).to_have_attribute("aria-activedescendant", await options.nth(1).get_attribute("id"))
        await box.press("Escape")
        await expect(picker).to_be_hidden()
        await expect(box).to_have_value("/")
        await box.press("Backspace")

        await box.press_sequentially("/track")
        await expect(options).to_have_count(1)
        await expect(options.first).to_contain_text("/tracking")
        await expect(options.first).to_contain_text("查物流")
        await console.screenshot(path=str(artifacts / "workspace-canned-picker.png"))
        found = await serious_violations(console)
        assert not found, describe(found)
        await box.press("ArrowDown")  # one match: the highlight stays on it
        await expect(options.first).to_have_attribute("aria-selected", "true")
        await box.press("Enter")  # inserts, does not send
        await expect(picker).to_be_hidden()
        value = await box.input_value()
        assert re.fullmatch(r"您好，我是客服ann。让您久等了\d+分钟，您的快递单号在订单详情页可以查到。", value), value
        assert int(re.search(r"\d+", value).group()) <= 2  # queued moments ago
        await expect(console.locator('#transcript .msg[data-sender="agent"]')).to_have_count(0)

        await box.press("Enter")
        reply = await customer.wait_for("message", lambda m: m["sender"] == "agent")
        assert reply["text"] == value
        await expect(console.locator('#transcript .msg[data-sender="agent"] .text')).to_have_text(value)
        await expect(box).to_have_value("")
        assert errors == [] and page_errors == []
    finally:
        await customer.close()
