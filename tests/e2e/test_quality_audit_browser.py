"""The quality-review and audit pages in headless Chromium, after a real conversation (web-chat
customer, agent on the console socket). Screenshots go to test-artifacts/."""
import pytest
from playwright.async_api import expect

from tests.e2e.test_quality_audit_api import PASSWORD, call, handled_conversation, login

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
HOSTILE = '转人工 <img src=x onerror="window.__xss=1">'


async def test_a_supervisor_scores_a_sample_and_reads_a_role_change_in_the_audit_log(server, browser, artifacts):
    ann = await login(server, "ann", "agent")
    root = await login(server, "root", "admin")
    await server.gateway.accounts.add_user("sue", "supervisor", PASSWORD)
    await server.gateway.accounts.add_user("bob", "agent", PASSWORD)
    cid = await handled_conversation(server, ann, opening=HOSTILE)
    _, people = await call(server, root, "GET", "/api/users")
    bob = next(u["id"] for u in people["users"] if u["username"] == "bob")
    assert (await call(server, root, "PUT", f"/api/users/{bob}/role", {"role": "supervisor"}))[0] == 200

    page = await (await browser.new_context(viewport=DESKTOP, locale="en-US")).new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(server.url + "/quality")
    await page.fill("#login-username", "sue")
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#me-role")).to_have_text("supervisor")
    await expect(page.locator("#report-empty")).to_be_visible()

    await page.fill("#draw-size", "5")
    await page.fill("#draw-seed", "browser-seed")
    await page.click("#draw-submit")
    await expect(page.locator("#draw-result")).to_contain_text("1 of 1 resolved conversations, seed browser-seed")
    row = page.locator(f'#sample-items tbody tr[data-conversation="{cid}"]')
    await expect(row.locator(".agent")).to_have_text("ann")
    await expect(row.locator(".hits")).to_have_text("1 / 2")  # one flagged reply sent, two warnings shown
    await expect(row.locator(".last-review")).to_have_text("not reviewed")
    await page.screenshot(path=str(artifacts / "quality-sample.png"))

    await row.locator(".review-open").click()
    transcript = page.locator("#review-transcript")
    await expect(transcript.locator('.msg[data-sender="customer"]').first).to_contain_text(HOSTILE)
    await expect(transcript.locator('.msg[data-sender="agent"]').last).to_contain_text("已为您处理好了。")
    await expect(page.locator("#review-hits")).to_have_value("1")  # pre-filled from the reply guard
    await page.select_option("#review-courtesy", "3")
    await page.select_option("#review-accuracy", "5")
    await page.fill("#review-comment", "Said 不知道 once; otherwise fine.")
    await page.screenshot(path=str(artifacts / "quality-review.png"))
    await page.click("#review-submit")

    report = page.locator('#report tbody tr[data-agent="ann"]')
    await expect(report.locator(".reviewed")).to_have_text("1")
    await expect(report.locator(".courtesy")).to_have_text("3.00")
    await expect(report.locator(".accuracy")).to_have_text("5.00")
    await expect(report.locator(".resolved")).to_have_text("100.0 %")
    await expect(report.locator(".hits")).to_have_text("1")
    await expect(row.locator(".last-review")).to_have_text("courtesy 3, accuracy 5, resolved (sue)")
    await page.screenshot(path=str(artifacts / "quality-report.png"), full_page=True)

    await page.click('#topbar nav a[href="/audit"]')
    await expect(page.locator("#me-name")).to_have_text("sue")
    table = page.locator("#audit-table tbody")
    await expect(table.locator('tr[data-type="conversation"]').first).to_be_visible()
    await expect(table.locator('tr[data-type="kb"]').first).to_be_visible()  # the demo FAQ's first versions
    await page.select_option("#filter-type", "user")
    role_row = table.locator("tr", has_text="role_changed")
    await expect(role_row).to_have_count(1)
    await expect(role_row.locator(".actor")).to_have_text("admin:root")
    await expect(role_row.locator(".summary")).to_have_text("bob: agent → supervisor")
    await expect(role_row.locator(".change")).to_have_text('role: "agent" → role: "supervisor"')
    await expect(table.locator("tr")).to_have_count(5)  # four accounts created, one role changed
    await page.screenshot(path=str(artifacts / "audit-roles.png"))

    await page.select_option("#filter-type", "")
    await page.fill("#filter-actor", "agent:ann")
    await page.click("#filter-apply")
    await expect(table.locator('tr[data-type="conversation"]')).to_have_count(2)  # ann claimed, then resolved
    await expect(table.locator('tr[data-type="user"]')).to_have_count(0)
    await page.select_option("#filter-type", "")
    await page.fill("#filter-actor", "")
    await page.click("#filter-apply")
    await expect(table.locator('tr[data-type="user"]')).to_have_count(5)
    await expect(table.locator('tr[data-type="kb"]').first).to_be_visible()
    await page.screenshot(path=str(artifacts / "audit-all.png"))

    assert await page.evaluate("window.__xss") is None
    assert errors == []
