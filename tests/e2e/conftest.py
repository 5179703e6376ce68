"""Headless Chromium for the page tests: Debian's build, never a downloaded one; and a webhook
receiver on 127.0.0.1 for the webhook tests."""
import shutil
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from tests.fake_webhook_receiver import SECRET, WebhookReceiver

CHROMIUM = "/usr/bin/chromium"
# Chromium's own background traffic is refused on a closed network: switch it off.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture
async def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        await browser.close()


@pytest.fixture
async def receiver():
    r = await WebhookReceiver(SECRET).start()
    yield r
    await r.stop()
