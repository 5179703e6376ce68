"""The widget in headless Chromium, as a shopper would use it. Screenshots go to test-artifacts/."""
import re

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


async def open_widget(page, url):
    await page.goto(url + "/")
    await page.click("#launcher")
    await expect(page.locator("#panel")).to_be_visible()


async def say(page, text):
    await page.fill("#input", text)
    await page.press("#input", "Enter")


async def test_a_shopper_on_a_phone_sends_a_message_and_sees_the_reply(server, browser, artifacts):
    context = await browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    page = await context.new_page()
    await open_widget(page, server.url)
    box = await page.locator("#panel").bounding_box()
    assert box["width"] == PHONE["width"]  # full screen on a phone

    await say(page, "I'd like to talk to a real person")
    customer = page.locator('.msg[data-sender="customer"]')
    await expect(customer).to_have_text("I'd like to talk to a real person")
    await expect(customer).to_have_attribute("data-id", re.compile(r"^\d+$"))
    await expect(page.locator('.msg[data-sender="bot"]')).to_have_text("I'll connect you with a person who can help.")
    await expect(page.locator("#status")).to_contain_text("position 1")
    await page.screenshot(path=str(artifacts / "widget-phone-en.png"))
    await context.close()


async def test_customer_text_is_shown_as_text_and_history_survives_a_reload(server, browser, artifacts):
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = await context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    await open_widget(page, server.url)
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>转人工'
    await say(page, hostile)
    await expect(page.locator('.msg[data-sender="customer"]')).to_have_text(hostile)
    await expect(page.locator('.msg[data-sender="bot"]')).to_contain_text("人工客服")

    await page.reload()
    await page.click("#launcher")
    await expect(page.locator('.msg[data-sender="customer"]')).to_have_text(hostile)
    await expect(page.locator(".msg")).to_have_count(3)  # customer, bot, queue notice: once each
    await expect(page.locator('.msg[data-sender="system"]')).to_have_text(
        "您正在排队等待人工客服，当前排在第 1 位。目前暂无客服在线，无法预估等待时间；我们已通知主管，客服有空后会第一时间在这里回复您。")
    await expect(page.locator("#status")).to_contain_text("排队位置：1")
    assert await page.locator("#csgw-widget img").count() == 0
    assert dialogs == []
    await page.screenshot(path=str(artifacts / "widget-desktop-zh.png"))
    await context.close()
