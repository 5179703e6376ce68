"""The pages in both languages, in headless Chromium: the widget follows the browser, the
console follows the agent's own setting, and every word on screen comes from the catalogues
(gateway/texts/en.py and zh.py, UI). Screenshots go to test-artifacts/."""
import re

import pytest
from playwright.async_api import expect

from gateway.texts.ui import CATALOGUES
from tests.chat_client import ChatClient
from tests.e2e.test_console_browser import DESKTOP, PASSWORD, queue_row, queued_customer

pytestmark = pytest.mark.browser

ZH, EN = CATALOGUES["zh-CN"], CATALOGUES["en"]
# Words of the English console that a Chinese one must not show anywhere.
ENGLISH_LABELS = ["Queue", "Mine", "Claim", "Resolve", "Transfer", "Log out", "Summary", "Hand-off", "Bot attempts",
                  "Notes", "Presence", "Capacity", "Send", "Add note", "Customer", "None.", "Language", "waiting",
                  "SLA", "Select a conversation"]
# Every text node and placeholder/title the person can see, as the page has drawn it.
VISIBLE_TEXTS = """() => {
  const seen = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, box = node.parentElement;
    if (node.textContent.trim() && box && box.offsetParent !== null && !box.closest("script,style")) {
      seen.push(node.textContent.trim());
    }
  }
  document.querySelectorAll("[placeholder],[title]").forEach((e) => {
    if (e.offsetParent !== null) seen.push(e.getAttribute("placeholder") || e.getAttribute("title"));
  });
  return seen;
}"""
KEY = re.compile(r"^(?:widget|console|staff|complaint|kb|reports|quality|audit|hours|language)\.[\w.-]+$")


@pytest.mark.parametrize("locale, words", [("zh-CN", ZH), ("en", EN)])
async def test_the_widget_speaks_the_browsers_language(server, browser, artifacts, locale, words):
    context = await browser.new_context(viewport=DESKTOP, locale=locale)
    page = await context.new_page()
    await page.goto(server.url + "/")
    await expect(page.locator("#launcher")).to_have_text(words["widget.open"])
    await page.click("#launcher")
    await expect(page.locator("#title")).to_have_text(words["widget.title"])
    await expect(page.locator("#send")).to_have_text(words["widget.send"])
    await expect(page.locator("#input")).to_have_attribute("placeholder", words["widget.placeholder"])
    await expect(page.locator("#close")).to_have_attribute("aria-label", words["widget.close"])
    await page.fill("#input", "转人工")
    await page.press("#input", "Enter")
    queued = words["widget.queued"].replace("{position}", "1")
    await expect(page.locator("#status")).to_have_text(queued)
    await page.screenshot(path=str(artifacts / f"widget-{locale}.png"))
    texts = await page.evaluate(VISIBLE_TEXTS)
    assert not [t for t in texts if KEY.match(t)], "a catalogue key is on screen instead of its text"
    await context.close()


async def test_the_widget_on_a_page_without_either_language_reads_the_tag_then_the_page(server, browser):
    # A French browser on a Chinese shop page: the page's own language decides.
    context = await browser.new_context(viewport=DESKTOP, locale="fr-FR")
    page = await context.new_page()
    await page.route(server.url + "/shop-zh", lambda route: route.fulfill(
        content_type="text/html", body=f'<html lang="zh-CN"><body><script src="{server.url}/widget.js"></script>'))
    await page.goto(server.url + "/shop-zh")
    await expect(page.locator("#launcher")).to_have_text(ZH["widget.open"])
    await context.close()


async def log_in(page, server, username):
    await page.goto(server.url + "/console")
    await page.fill("#login-username", username)
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#me-name")).to_have_text(username)
    await expect(page.locator("#connection")).to_have_attribute("data-state", "online")


async def test_the_console_follows_the_agents_setting_not_the_browser(server, browser, artifacts):
    agent = await server.gateway.accounts.add_user("mei", "agent", PASSWORD)
    await server.gateway.accounts.set_language(agent.user_id, "zh-CN")
    customer = await queued_customer(server, "我的快递三天没动了")
    try:
        context = await browser.new_context(viewport=DESKTOP, locale="en-US")
        page = await context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(server.url + "/console")
        # Before anyone logs in, the browser's language.
        await expect(page.locator("#login-submit")).to_have_text(EN["staff.login.submit"])
        await log_in(page, server, "mei")
        assert await page.evaluate("document.documentElement.lang") == "zh-CN"
        await expect(page.locator("#connection")).to_have_text(ZH["console.connection.live"])
        await expect(page.locator("#logout")).to_have_text(ZH["staff.logout"])
        await expect(page.locator("#language")).to_have_value("zh-CN")

        row = queue_row(page, "我的快递三天没动了")
        await expect(row.locator(".wait")).to_have_text(re.compile("^" + ZH["console.list.waiting"].replace(
            "{time}", r"\d+:\d\d") + "$"))
        await row.click()
        await expect(page.locator("#conv-status")).to_have_text(ZH["console.status.queued"])
        await page.click("#claim")
        await expect(page.locator("#conv-status")).to_have_text(ZH["console.status.assigned"])
        await expect(page.locator("#reply-text")).to_have_attribute("placeholder", ZH["console.reply.placeholder"])
        await expect(page.locator("#ctx-handoff dt").first).to_have_text(ZH["console.fact.kind"])
        await expect(page.locator('#transcript .msg[data-sender="customer"] .who').first).to_have_text(
            ZH["console.sender.customer"])
        await page.screenshot(path=str(artifacts / "console-zh-CN.png"))

        texts = await page.evaluate(VISIBLE_TEXTS)
        assert not [t for t in texts if KEY.match(t)], "a catalogue key is on screen instead of its text"
        english = [label for label in ENGLISH_LABELS if any(re.search(rf"\b{re.escape(label)}\b", t) for t in texts)]
        assert not english, f"English on the Chinese console: {english}"
        assert errors == []
        await context.close()
    finally:
        await customer.close()


# The server's English prose for hand-offs and summaries; a Chinese console shows none of it.
ENGLISH_REASONS = ["asked for a person", "customer message", "low confidence", "best match", "the bot answered",
                   "last search", "confident", "unsure", "not helpful", "complaint (", "regulator", "safety"]
# A question the demo FAQ cannot answer: the bot hands off for low confidence.
UNANSWERABLE = "What is your CEO's favourite colour?"
# A major complaint: a threat to call the regulator (12315).
COMPLAINT = "你们卖的茶叶发霉了，我要退款，不处理我就打12315投诉！"


async def test_a_chinese_agent_reads_why_the_bot_handed_off_in_chinese(server, browser, artifacts):
    agent = await server.gateway.accounts.add_user("mei", "agent", PASSWORD)
    await server.gateway.accounts.set_language(agent.user_id, "zh-CN")
    asked = await queued_customer(server, "我的快递三天没动了")
    doubted, complaining = await ChatClient().connect(server.url), await ChatClient().connect(server.url)
    try:
        for customer, text in ((doubted, UNANSWERABLE), (complaining, COMPLAINT)):
            assert "id" in await customer.send(text, "q-1")
            await customer.wait_for("handoff", lambda h: h["state"] == "queued")
        context = await browser.new_context(viewport=DESKTOP, locale="en-US")
        page = await context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await log_in(page, server, "mei")

        await queue_row(page, "我的快递三天没动了").click()
        await expect(page.locator("#ctx-handoff .reason")).to_have_text(ZH["console.reason.human_request"])
        await expect(page.locator("#ctx-attempts .attempt-reason").first).to_have_text(
            ZH["console.reason.human_request"])
        await expect(page.locator("#ctx-summary")).to_have_text(
            ZH["console.reason.human_request"] + ZH["console.summary.separator"]
            + ZH["console.summary.messages"].format(count=2, last="我的快递三天没动了"))
        await page.screenshot(path=str(artifacts / "console-zh-CN-reason-human.png"))
        await no_english_reasons(page)

        await queue_row(page, UNANSWERABLE).click()
        low = "^" + re.escape(ZH["console.reason.low_confidence"]).replace(r"\{best\}", r"\d\.\d\d") + "$"
        await expect(page.locator("#ctx-handoff .reason")).to_have_text(re.compile(low))
        await expect(page.locator("#ctx-attempts .attempt-reason")).to_have_text([re.compile(low)])
        matched = re.escape(ZH["console.summary.matched"]).replace(r"\{entry\}", r"[\w-]+").replace(
            r"\{score\}", r"\d\.\d\d")
        # The customer's words stay as they were written, inside the Chinese sentence.
        await expect(page.locator("#ctx-summary")).to_have_text(re.compile(
            low[1:-1] + "；" + re.escape(ZH["console.summary.messages"].format(count=1, last=UNANSWERABLE))
            + "；" + matched + "$"))
        await page.screenshot(path=str(artifacts / "console-zh-CN-reason-low-confidence.png"))
        await no_english_reasons(page)

        await queue_row(page, COMPLAINT).click()
        regulator = ZH["console.severity_reason.media_or_regulator"]
        await expect(page.locator("#ctx-handoff .reason")).to_have_text(ZH["console.reason.complaint_because"].format(
            category=ZH["complaint.category.product"], severity=ZH["complaint.severity.major"], reasons=regulator))
        await expect(page.locator("#ctx-complaints .complaint")).to_contain_text(regulator)
        await expect(page.locator("#ctx-complaints .complaint")).to_contain_text(ZH["complaint.status.open"])
        await page.screenshot(path=str(artifacts / "console-zh-CN-reason-complaint.png"))
        await no_english_reasons(page)
        assert errors == []
        await context.close()
    finally:
        for customer in (asked, doubted, complaining):
            await customer.close()


async def no_english_reasons(page):
    texts = await page.evaluate(VISIBLE_TEXTS)
    english = [p for p in ENGLISH_REASONS if any(p in t.lower() for t in texts)]
    assert not english, f"English reasons on the Chinese console: {english}"


async def test_switching_the_console_language_redraws_it_and_is_kept(server, browser):
    await server.gateway.accounts.add_user("ann", "agent", PASSWORD)
    context = await browser.new_context(viewport=DESKTOP, locale="en-US")
    page = await context.new_page()
    await log_in(page, server, "ann")
    await expect(page.locator("#claim")).to_have_text(EN["console.claim"], use_inner_text=False)
    await expect(page.locator("h2 span[data-i18n='console.queue.title']")).to_have_text(EN["console.queue.title"])

    await page.select_option("#language", "zh-CN")
    await expect(page.locator("h2 span[data-i18n='console.queue.title']")).to_have_text(ZH["console.queue.title"])
    await expect(page.locator("#logout")).to_have_text(ZH["staff.logout"])
    await page.reload()
    await expect(page.locator("#me-name")).to_have_text("ann")
    await expect(page.locator("#logout")).to_have_text(ZH["staff.logout"])
    await expect(page.locator("#presence option[value=away]")).to_have_text(ZH["console.presence.away"])
    assert await page.evaluate("document.documentElement.lang") == "zh-CN"

    await page.select_option("#language", "en")
    await expect(page.locator("#logout")).to_have_text(EN["staff.logout"])
    await context.close()


async def test_a_console_logged_out_shows_its_login_form_in_the_accounts_language(server, browser):
    agent = await server.gateway.accounts.add_user("mei", "agent", PASSWORD)
    await server.gateway.accounts.set_language(agent.user_id, "zh-CN")
    context = await browser.new_context(viewport=DESKTOP, locale="en-US")
    page = await context.new_page()
    await log_in(page, server, "mei")
    await expect(page.locator("#login-password")).to_have_value("")  # not kept behind the console
    await page.click("#logout")
    # The console signs out in place, without a reload: the form it shows is the account's.
    await expect(page.locator("#login-submit")).to_have_text(ZH["staff.login.submit"])
    await expect(page.locator("#login-form h1")).to_have_text(ZH["console.title"])
    await expect(page.locator("#login-form label span").first).to_have_text(ZH["staff.login.username"])
    await context.close()


STAFF_PAGES = {"/kb": ["Knowledge base", "New entry", "Search", "Export", "Publish"],
               "/reports": ["Reports", "Hand-offs", "Calculate", "By agent", "Agents needed"],
               "/quality": ["Quality review", "Draw a sample", "Per agent", "No reviews yet"],
               "/audit": ["Audit log", "Who changed what", "Nothing recorded", "Show"]}


async def test_every_staff_page_reads_in_chinese_for_a_chinese_account(server, browser, artifacts):
    admin = await server.gateway.accounts.add_user("wang", "admin", PASSWORD)
    await server.gateway.accounts.set_language(admin.user_id, "zh-CN")
    context = await browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(server.url + "/kb")
    await expect(page.locator("#login-submit")).to_have_text(ZH["staff.login.submit"])  # the browser's, before login
    await page.fill("#login-username", "wang")
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    for path, english in STAFF_PAGES.items():
        if page.url != server.url + path:
            await page.goto(server.url + path)
        await expect(page.locator("#me-name")).to_have_text("wang ")
        await expect(page.locator("#me-role")).to_have_text(ZH["staff.role.admin"])
        await expect(page.locator("#topbar a[aria-current=page]")).to_have_count(1)
        await page.wait_for_load_state("networkidle")
        assert await page.evaluate("document.documentElement.lang") == "zh-CN"
        texts = await page.evaluate(VISIBLE_TEXTS)
        assert not [t for t in texts if KEY.match(t)], f"{path}: a catalogue key is on screen"
        found = [label for label in english if any(label in t for t in texts)]
        assert not found, f"English on {path}: {found}"
        await page.screenshot(path=str(artifacts / f"{path[1:]}-zh-CN.png"), full_page=True)
    assert errors == []
    await context.close()


async def test_an_editor_switches_the_staff_pages_to_chinese_from_the_top_bar(server, browser):
    await server.gateway.accounts.add_user("ed", "editor", PASSWORD)
    context = await browser.new_context(viewport=DESKTOP, locale="en-US")
    page = await context.new_page()
    await page.goto(server.url + "/kb")
    await page.fill("#login-username", "ed")
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#new-entry")).to_have_text(EN["kb.new_entry"])
    await page.select_option("#language", "zh-CN")
    await expect(page.locator("#new-entry")).to_have_text(ZH["kb.new_entry"])
    await page.reload()
    await expect(page.locator("#logout")).to_have_text(ZH["staff.logout"])
    await expect(page.locator("#language")).to_have_value("zh-CN")
    # The server's own refusal page follows the account too.
    response = await page.goto(server.url + "/reports")
    assert response.status == 403
    await expect(page.locator("body")).to_contain_text(ZH["staff.not_allowed"].replace("{role}", "editor"))
    await context.close()
