"""Every page, logged in and showing its real content, passes axe-core (tests/e2e/accessibility.py)
with no serious or critical violation: labels, names, contrast, language, landmarks, ARIA.
Screenshots go to test-artifacts/."""
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.conftest import make_settings, start_server
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_console_browser import DESKTOP, PASSWORD, queue_row, queued_customer
from tests.e2e.test_kb_editor_api import BIKES, unanswered_by_the_bot
from tests.e2e.test_quality_audit_api import call, handled_conversation, login
from tests.e2e.test_service_hours import HOURS, SetClock, at
from tests.e2e.test_workspace_api import handed_off
from tests.integration.test_reports import FIRST, LAST, seed

pytestmark = pytest.mark.browser

CANNED_PAGE = Path(__file__).parents[2] / "gateway" / "web" / "static" / "canned.html"


@pytest.fixture
async def shop_hours(sqlite_url, tmp_path, encoders):
    """A gateway with weekly hours and a holiday set, on a clock at Tuesday 23:00 (closed)."""
    live = await start_server(make_settings(sqlite_url, tmp_path, **HOURS), encoders, clock=SetClock(at(1, 23)))
    yield live
    await live.stop()


async def staff_page(browser, server, path, username, role, locale="en-US", language=None):
    """`username` (made with `role`, set to `language`) logs in through the page's own form at `path`."""
    user = await server.gateway.accounts.add_user(username, role, PASSWORD)
    if language:
        await server.gateway.accounts.set_language(user.user_id, language)
    context = await browser.new_context(viewport=DESKTOP, locale=locale, timezone_id="UTC")
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(server.url + path)
    await page.fill("#login-username", username)
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#me-name")).to_have_text(username)
    return page, errors


async def test_the_login_form(server, browser, artifacts):
    page = await (await browser.new_context(viewport=DESKTOP, locale="en-US")).new_page()
    await page.goto(server.url + "/console")
    await expect(page.locator("#login-form")).to_be_visible()
    await page.fill("#login-username", "nobody")
    await page.fill("#login-password", "wrong password")
    await page.click("#login-submit")
    await expect(page.locator("#login-error")).not_to_be_empty()  # the error text is checked too
    await assert_accessible(page, "/console, the login form")


@pytest.mark.parametrize("language", ["en", "zh-CN"])
async def test_the_console_with_a_claimed_conversation(server, browser, artifacts, language):
    customer = await queued_customer(server, "我的包裹到哪了？")
    waiting = await queued_customer(server, "发票怎么开？")  # one left in the queue
    try:
        page, errors = await staff_page(browser, server, "/console", "mei", "agent", language=language)
        await expect(page.locator("#connection")).to_have_attribute("data-state", "online")
        await queue_row(page, "我的包裹到哪了").click()
        await page.click("#claim")
        await expect(page.locator("#reply-text")).to_be_enabled()
        await page.fill("#reply-text", "不知道")
        await page.click("#reply-send")
        await expect(page.locator("#guard")).to_be_visible()  # the reply guard's warning, on screen
        await page.fill("#note-text", "Prefers Chinese.")
        await page.press("#note-text", "Enter")
        await expect(page.locator("#ctx-notes")).to_contain_text("Prefers Chinese.")
        await assert_accessible(page, f"/console ({language}), a claimed conversation")
        await page.screenshot(path=str(artifacts / f"a11y-console-{language}.png"))
        assert errors == []
    finally:
        await customer.close()
        await waiting.close()


async def test_the_kb_editor_with_an_entry_open(server, browser, artifacts):
    await unanswered_by_the_bot(server, BIKES)
    page, errors = await staff_page(browser, server, "/kb", "erin", "editor")
    await page.locator('#entries li[data-id="shipping-fee-zh"]').click()
    await expect(page.locator("#entry-id")).to_have_value("shipping-fee-zh")
    await expect(page.locator("#history tbody tr").first).to_be_visible()
    await assert_accessible(page, "/kb, an entry open")
    await page.click('#tabs [data-tab="try"]')
    await page.fill("#try-text", "运费多少钱？")
    await page.click("#try-go")
    await expect(page.locator("#try-results tbody tr").first).to_be_visible()
    await assert_accessible(page, "/kb, the try-a-question tab")
    await page.click('#tabs [data-tab="unanswered"]')
    group = page.locator("#unanswered-list .group")
    await expect(group).to_have_count(1)
    await group.locator(".turn").click()  # the form that turns it into an entry
    await expect(group.locator("textarea.answer")).to_be_visible()
    await assert_accessible(page, "/kb, the unanswered tab")
    await page.click('#tabs [data-tab="learning"]')
    await assert_accessible(page, "/kb, the learning tab")
    await page.click('#tabs [data-tab="io"]')
    await assert_accessible(page, "/kb, the import/export tab")
    await page.click('#tabs [data-tab="entry"]')
    await page.screenshot(path=str(artifacts / "a11y-kb.png"))
    assert errors == []


async def test_reports(server, browser, artifacts):
    async with server.gateway.session_factory() as session:
        await seed(session)
    page, errors = await staff_page(browser, server, f"/reports?from={FIRST}&to={LAST}", "sue", "supervisor")
    await expect(page.locator("#kpis .kpi")).to_have_count(8)
    await expect(page.locator("#table-agents tbody tr")).to_have_count(3)
    await expect(page.locator("#staffing-result")).not_to_be_empty()
    await assert_accessible(page, "/reports")
    await page.screenshot(path=str(artifacts / "a11y-reports.png"), full_page=True)
    assert errors == []


async def test_quality_review_with_a_sample_and_a_review_open(server, browser, artifacts):
    ann = await login(server, "ann", "agent")
    cid = await handled_conversation(server, ann)
    page, errors = await staff_page(browser, server, "/quality", "sue", "supervisor")
    await page.fill("#draw-size", "5")
    await page.click("#draw-submit")
    row = page.locator(f'#sample-items tbody tr[data-conversation="{cid}"]')
    await row.locator(".review-open").click()
    await expect(page.locator("#review-transcript .msg").first).to_be_visible()
    await assert_accessible(page, "/quality, a review open")
    await page.click("#review-submit")
    await expect(page.locator('#report tbody tr[data-agent="ann"]')).to_be_visible()
    await assert_accessible(page, "/quality, the per-agent report")
    await page.screenshot(path=str(artifacts / "a11y-quality.png"), full_page=True)
    assert errors == []


async def test_the_audit_log(server, browser, artifacts):
    root = await login(server, "root", "admin")
    await server.gateway.accounts.add_user("bob", "agent", PASSWORD)
    _, people = await call(server, root, "GET", "/api/users")
    bob = next(u["id"] for u in people["users"] if u["username"] == "bob")
    assert (await call(server, root, "PUT", f"/api/users/{bob}/role", {"role": "supervisor"}))[0] == 200
    page, errors = await staff_page(browser, server, "/audit", "ada", "admin")
    await expect(page.locator('#audit-table tbody tr[data-type="user"]').first).to_be_visible()
    await assert_accessible(page, "/audit")
    assert errors == []


async def test_service_hours(shop_hours, browser, artifacts):
    page, errors = await staff_page(browser, shop_hours, "/hours", "ada", "admin")
    await expect(page.locator("#hours-status")).not_to_be_empty()
    await expect(page.locator("#week tr").first).to_be_visible()
    await assert_accessible(page, "/hours (admin)")
    await page.screenshot(path=str(artifacts / "a11y-hours.png"), full_page=True)
    assert errors == []


async def test_the_shop_with_the_widget_open_and_a_bot_answer(server, browser, artifacts):
    page = await (await browser.new_context(viewport=DESKTOP, locale="zh-CN")).new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(server.url + "/")
    await assert_accessible(page, "/ (the shop), the widget closed")
    await page.click("#launcher")
    await page.fill("#input", "运费多少钱？")
    await page.press("#input", "Enter")
    await expect(page.locator('.msg[data-sender="bot"]').first).to_be_visible(timeout=15000)
    # The shop page is English, the widget speaks the browser's Chinese: it says so (WCAG 3.1.2).
    await expect(page.locator("#csgw-widget")).to_have_attribute("lang", "zh-CN")
    await assert_accessible(page, "/ (the shop), the widget open with a bot answer")
    await page.screenshot(path=str(artifacts / "a11y-shop-widget.png"))
    assert errors == []


@pytest.mark.skipif(not CANNED_PAGE.exists(), reason="no /canned page yet")
async def test_canned_replies(server, browser, artifacts):
    page, errors = await staff_page(browser, server, "/canned", "sue", "supervisor")
    rows = page.locator("#canned-rows tr")
    await expect(rows.first).to_be_visible()  # the demo replies
    await assert_accessible(page, "/canned (supervisor)")
    await rows.first.locator("td.actions button").first.click()  # one open for editing
    await expect(rows.first).to_have_class("editing")
    await assert_accessible(page, "/canned (supervisor), a reply being edited")
    await page.screenshot(path=str(artifacts / "a11y-canned.png"), full_page=True)
    assert errors == []


async def test_webhooks_with_deliveries_shown_and_an_endpoint_being_edited(server, browser, artifacts):
    # A receiver on 127.0.0.1, which this gateway refuses: the delivery waits, with the reason.
    root = await login(server, "root", "admin")
    status, _ = await call(server, root, "POST", "/api/webhooks", {
        "url": "http://127.0.0.1:9/hook", "secret": "whsec-0123456789abcdef",
        "events": ["conversation.handed_off"], "trusted": True})
    assert status == 201
    customer, _ = await handed_off(server, "转人工", "发票怎么开？")
    try:
        page, errors = await staff_page(browser, server, "/webhooks", "ada", "admin")
        await page.locator("#webhooks-rows button.show").click()
        await expect(page.locator("#deliveries-rows tr .pill")).to_have_text("pending")
        await expect(page.locator("#deliveries-rows td.last")).to_contain_text("private")
        await assert_accessible(page, "/webhooks (admin), an endpoint's deliveries")
        await page.locator("#webhooks-rows button.edit").click()
        await expect(page.locator("#secret-keep")).to_be_visible()
        await assert_accessible(page, "/webhooks (admin), an endpoint being edited")
        await page.screenshot(path=str(artifacts / "a11y-webhooks.png"), full_page=True)
        assert errors == []
    finally:
        await customer.close()
