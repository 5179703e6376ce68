"""The console in headless Chromium with GATEWAY_CONSOLE_MASK_PII on: a customer's contacts
show masked, "Show" reveals one message as plain text, and the reveal is audited."""
import pytest
from playwright.async_api import expect
from sqlalchemy import func, select

from gateway.storage.tables import AuditRecord
from tests.conftest import make_settings, start_server
from tests.e2e.test_console_browser import open_console, queued_customer, queue_row

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.__xss=1">'
SAID = f"电话 13812345678，邮箱 li.wei@example.com {HOSTILE}"
MASKED = f"电话 138****5678，邮箱 l***@example.com {HOSTILE}"


@pytest.fixture
async def masking(sqlite_url, tmp_path, encoders):
    live = await start_server(make_settings(sqlite_url, tmp_path, gateway_console_mask_pii=True), encoders)
    yield live
    await live.stop()


async def test_an_agent_sees_contacts_masked_and_shows_one_message(masking, browser, artifacts):
    customer = await queued_customer(masking, SAID)
    try:
        console, errors = await open_console(browser, masking)
        row = queue_row(console, "138****5678")
        await expect(row.locator(".conv-text")).to_have_text(MASKED)
        await row.click()
        said = console.locator('#transcript .msg[data-masked="true"]')
        await expect(said).to_have_count(1)
        await expect(said.locator(".text")).to_have_text(MASKED + "Show")
        await expect(console.locator('#transcript .msg[data-sender="customer"] .reveal')).to_have_count(1)
        await console.screenshot(path=str(artifacts / "console-masked.png"))

        shown = console.locator(f'#transcript .msg[data-id="{await said.get_attribute("data-id")}"]')
        await said.locator("button.reveal").click()
        await expect(shown.locator(".text")).to_have_text(SAID)
        await expect(shown).not_to_have_attribute("data-masked", "true")
        await expect(console.locator("#transcript .reveal")).to_have_count(0)
        await console.screenshot(path=str(artifacts / "console-revealed.png"))

        async with masking.gateway.uow() as uow:
            revealed = await uow.session.scalar(select(func.count()).select_from(AuditRecord)
                                                .where(AuditRecord.action == "pii_revealed"))
        assert revealed == 1
        assert await console.evaluate("window.__xss") is None  # the revealed text went in as text
        assert errors == []
    finally:
        await customer.close()
