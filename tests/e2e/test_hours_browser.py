"""The /hours page in headless Chromium on an injected clock: an admin changes a day's opening
and the holidays, saves, and a reload shows the saved calendar; a supervisor reads it and
cannot change it. Screenshots go to test-artifacts/."""
import re

import pytest
from playwright.async_api import expect

from tests.conftest import make_settings, start_server
from tests.e2e.test_service_hours import HOURS, SetClock, at

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "correct horse battery"


@pytest.fixture
async def shop(sqlite_url, tmp_path, encoders):
    live = await start_server(make_settings(sqlite_url, tmp_path, **HOURS), encoders, clock=SetClock(at(1, 23)))
    yield live
    await live.stop()


async def open_hours(browser, server, username, role):
    await server.gateway.accounts.add_user(username, role, PASSWORD)
    context = await browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="UTC")
    page = await context.new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    # The browser logs each refused request too; the response handler below names them.
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" and not
            msg.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 and not (
        r.url.endswith("/api/auth/me") or r.url.endswith("/favicon.ico")) else None)
    assert (await page.goto(f"{server.url}/hours")).status == 200
    await page.fill("#login-username", username)
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#me-role")).to_have_text(role)
    return page, problems


async def test_an_admin_edits_hours_and_a_holiday_and_a_reload_shows_them(shop, browser, artifacts):
    page, problems = await open_hours(browser, shop, "ada", "admin")
    status = page.locator("#hours-status")
    await expect(status).to_have_text(re.compile(r"^Closed now; people are back Wednesday, December 2 at 09:00 "
                                                 r"\(Asia/Shanghai time\)\.$"))
    await expect(page.locator("#hours-source")).to_contain_text("From the settings")
    await expect(page.locator("#topbar nav a[aria-current=page]")).to_have_text("Service hours")
    await expect(page.locator("#holidays li")).to_have_text(["2026-12-25×"])

    await page.fill("#day-wed input.opens", "08:00")
    await page.click("#day-sat .add-span")
    await expect(page.locator("#day-sat .span")).to_have_count(2)
    await page.fill("#day-sat .span >> nth=1 >> input.opens", "22:30")
    await page.fill("#day-sat .span >> nth=1 >> input.closes", "24:00")
    await page.click("#holidays li button")
    await page.fill("#holiday-new", "2026-12-31")
    await page.click("#holiday-add")
    await page.select_option("#clock-major_complaint", "service")
    await page.click("#hours-save")
    await expect(page.locator("#flash")).to_contain_text("Saved as version 1.")
    await expect(status).to_contain_text("back Wednesday, December 2 at 08:00")
    await expect(page.locator("#hours-source")).to_contain_text("Version 1, saved by admin:ada")

    await page.reload()
    await expect(page.locator("#day-wed input.opens")).to_have_value("08:00")
    await expect(page.locator("#day-sat input.opens")).to_have_count(2)
    await expect(page.locator("#day-sat .span >> nth=1 >> input.opens")).to_have_value("22:30")
    await expect(page.locator("#holidays li")).to_have_text(["2026-12-31×"])
    await expect(page.locator("#clock-major_complaint")).to_have_value("service")
    await expect(page.locator("#timezone")).to_have_value("Asia/Shanghai")
    await expect(status).to_contain_text("08:00")
    assert "hours." not in await page.locator("body").inner_text()  # every word is in the catalogue
    await page.screenshot(path=str(artifacts / "hours-admin.png"), full_page=True)

    # A mistake is refused with the parser's words, and nothing is saved.
    await page.fill("#day-mon input.closes", "08:00")
    await page.click("#hours-save")
    await expect(page.locator("#hours-error")).to_contain_text("closes before it opens")
    assert problems == [f"422 {shop.url}/api/service-hours"]


async def test_a_supervisor_reads_the_hours_and_cannot_change_them(shop, browser, artifacts):
    page, problems = await open_hours(browser, shop, "sue", "supervisor")
    await expect(page.locator("#day-mon input.opens")).to_have_value("09:00")
    await expect(page.locator("#day-mon input.opens")).to_be_disabled()
    await expect(page.locator("#hours-read-only")).to_be_visible()
    await expect(page.locator("#hours-save")).to_be_hidden()
    await expect(page.locator(".add-span")).to_have_count(0)
    await page.screenshot(path=str(artifacts / "hours-supervisor.png"), full_page=True)
    assert problems == []


async def test_a_chinese_account_reads_the_page_in_chinese(shop, browser, artifacts):
    from gateway.texts.ui import CATALOGUES
    from tests.e2e.test_languages_browser import KEY, VISIBLE_TEXTS

    zh = CATALOGUES["zh-CN"]
    admin = await shop.gateway.accounts.add_user("wang", "admin", PASSWORD)
    await shop.gateway.accounts.set_language(admin.user_id, "zh-CN")
    page = await (await browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="UTC")).new_page()
    await page.goto(f"{shop.url}/hours")
    await page.fill("#login-username", "wang")
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#day-wed td.day")).to_have_text(zh["hours.day.wed"])
    await expect(page.locator("#hours-status")).to_contain_text("现在是非工作时间，客服将于12月2日")
    await expect(page.locator("#hours-status")).to_contain_text("09:00（Asia/Shanghai 时间）上线")
    await expect(page.locator("#hours-save")).to_have_text(zh["hours.save"])
    texts = await page.evaluate(VISIBLE_TEXTS)
    assert not [t for t in texts if KEY.match(t)], "a catalogue key is on screen"
    assert not [t for t in texts if any(word in t for word in ("Weekly hours", "Holidays", "Time zone", "Monday"))]
    await page.screenshot(path=str(artifacts / "hours-zh-CN.png"), full_page=True)
