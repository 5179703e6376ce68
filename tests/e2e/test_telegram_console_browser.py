"""A Telegram customer seen from the console in headless Chromium: the photo they sent, and a
reply that could not reach them while Telegram was down, until it did."""
import pytest
from playwright.async_api import expect

from tests.conftest import start_server
from tests.e2e.test_console_browser import open_and_claim, open_console
from tests.fake_telegram import telegram_settings

pytestmark = pytest.mark.browser


@pytest.fixture
async def live(sqlite_url, tmp_path, encoders, fake_telegram):
    server = await start_server(telegram_settings(sqlite_url, tmp_path, fake_telegram), encoders)
    yield server
    await server.stop()


async def test_an_agent_sees_a_telegram_photo_and_a_reply_waiting_for_telegram(live, fake_telegram, browser,
                                                                              artifacts):
    fake = fake_telegram
    console, errors = await open_console(browser, live)
    fake.photo()
    await fake.wait_for_text("文件已保存")
    fake.text("转人工")
    await fake.wait_for_text("当前排在第 1 位")

    await open_and_claim(console, "转人工")
    photo = console.locator('#transcript .msg[data-sender="customer"] .attachment')
    await expect(photo).to_have_text("Photo · 113 KB")
    await expect(photo).to_have_attribute("data-kind", "photo")

    await fake.go_down()
    await console.fill("#reply-text", "您好，请问是哪一件商品？")
    await console.click("#reply-send")
    waiting = console.locator('#transcript .msg[data-sender="agent"]').last
    await expect(waiting.locator(".delivery")).to_contain_text("Not delivered yet, retrying", timeout=15000)
    await expect(waiting.locator(".delivery")).to_contain_text("Telegram is unreachable")
    await console.screenshot(path=str(artifacts / "console-telegram-delivery-waiting.png"))

    await fake.come_back()
    await fake.wait_for_text("哪一件商品", timeout=30)
    await expect(waiting).to_have_attribute("data-delivery", "sent", timeout=10000)
    await expect(waiting.locator(".delivery")).to_contain_text("delivered after")
    await console.screenshot(path=str(artifacts / "console-telegram-delivered.png"))
    assert errors == []
