"""The /kb editor page in headless Chromium, with real customers on the other side (the widget
page in a second browser context, or real Socket.IO chat clients). Screenshots go to test-artifacts/."""
import re

import pytest
from playwright.async_api import expect

from tests.chat_client import ChatClient
from tests.e2e.test_kb_editor_api import BIKES, CEO, unanswered_by_the_bot

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "correct horse battery"
NEW_FEE = "新规：全场满58元包邮，不满收6元运费。"


async def open_kb(browser, server, username="erin", role="editor"):
    """An editor logs in through the page; returns the page and the script errors it raised."""
    await server.gateway.accounts.add_user(username, role, PASSWORD)
    context = await browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(server.url + "/kb")
    await expect(page.locator("#login-form")).to_be_visible()
    await page.fill("#login-username", username)
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#me-name")).to_have_text(username)
    await expect(page.locator("#entries li").first).to_be_visible()
    return page, errors


async def test_an_editor_edits_and_publishes_and_the_widget_answers_with_the_new_text(server, browser, artifacts):
    page, errors = await open_kb(browser, server)
    await page.fill("#search", "运费")
    row = page.locator('#entries li[data-id="shipping-fee-zh"]')
    await expect(row).to_have_count(1)
    await page.select_option("#filter-language", "en")
    await expect(row).to_have_count(0)  # the language filter hides the Chinese entry
    await page.select_option("#filter-language", "zh")
    await row.click()
    await expect(page.locator("#entry-id")).to_have_value("shipping-fee-zh")
    await expect(page.locator("#entry-status")).to_have_text("published")
    old_answer = await page.locator("#entry-answer").input_value()
    assert NEW_FEE not in old_answer

    await page.fill("#entry-answer", NEW_FEE)
    await page.click("#publish")
    await expect(page.locator("#entry-version")).to_contain_text("version 2")
    await expect(page.locator("#history tbody tr")).to_have_count(2)

    # The customer's widget, in another browser, gets the new text: no restart in between.
    shopper = await (await browser.new_context(viewport=DESKTOP, locale="zh-CN")).new_page()
    await shopper.goto(server.url + "/")
    await shopper.click("#launcher")
    await shopper.fill("#input", "运费多少钱？")
    await shopper.press("#input", "Enter")
    await expect(shopper.locator('.msg[data-sender="bot"]').first).to_have_text(NEW_FEE, timeout=15000)
    await shopper.screenshot(path=str(artifacts / "kb-widget-new-answer.png"))

    # Try a question: the live decision, ranked entries and their scores.
    await page.click('#tabs [data-tab="try"]')
    await page.fill("#try-text", "运费多少钱？")
    await page.click("#try-go")
    await expect(page.locator("#try-decision")).to_have_text("answer")
    await expect(page.locator("#try-answer")).to_have_text(NEW_FEE)
    first = page.locator("#try-results tbody tr").first
    await expect(first).to_have_attribute("data-id", "shipping-fee-zh")
    await expect(first.locator(".score")).to_have_text(re.compile(r"^0\.\d{3}$"))
    await page.screenshot(path=str(artifacts / "kb-try-question.png"))

    # History: the change, marked up, then a rollback as a new version.
    await page.click('#tabs [data-tab="entry"]')
    await page.locator('#history tr[data-version="2"] .diff-prev').click()
    change = page.locator('#diff-view [data-field="answer"]')
    await expect(change.locator("ins").first).to_contain_text("新规")
    await expect(change.locator("del").first).to_be_visible()
    inserted = "".join(await change.locator("ins").all_text_contents())
    assert "58" in inserted and not set(inserted) - set(NEW_FEE)
    await page.locator("#diff-view").scroll_into_view_if_needed()
    await page.screenshot(path=str(artifacts / "kb-editor-diff.png"))
    await page.locator('#history tr[data-version="1"] .rollback').click()
    await expect(page.locator("#entry-version")).to_contain_text("version 3")
    await expect(page.locator("#entry-answer")).to_have_value(old_answer)
    await expect(page.locator('#history tr[data-version="3"]')).to_contain_text("rollback")
    assert errors == []


async def test_an_editor_turns_unanswered_questions_into_an_entry(server, browser, artifacts):
    await unanswered_by_the_bot(server, *CEO, BIKES)
    page, errors = await open_kb(browser, server)
    await expect(page.locator("#unanswered-count")).to_have_text("2")
    await page.click('#tabs [data-tab="unanswered"]')
    groups = page.locator("#unanswered-list .group")
    await expect(groups).to_have_count(2)
    ceo = groups.first
    await expect(ceo.locator(".times")).to_have_text("3× asked")
    await expect(ceo.locator(".phrasings li")).to_have_count(3)
    await expect(groups.nth(1).locator(".phrasings li")).to_have_text([BIKES])
    await page.screenshot(path=str(artifacts / "kb-unanswered.png"))

    await ceo.locator(".turn").click()
    await ceo.locator("textarea.answer").fill("Green, like our longjing tea. 绿色，就像我们的龙井。")
    await ceo.locator(".create-published").click()
    await expect(groups).to_have_count(1)
    await expect(page.locator("#unanswered-count")).to_have_text("1")
    await expect(page.locator("#entry-status")).to_have_text("published")
    await expect(page.locator("#entry-answer")).to_have_value(re.compile("^Green, like our longjing tea"))
    await expect(page.locator("#entry-alternates")).not_to_have_value("")

    # The bot now answers the question it could not before.
    customer = await ChatClient().connect(server.url)
    try:
        await customer.send("What colour does your CEO like best?", "after")
        reply = await customer.wait_for("message", lambda m: m.get("sender") == "bot", timeout=15)
        assert reply["text"].startswith("Green, like our longjing tea"), reply
    finally:
        await customer.close()

    await page.click('#tabs [data-tab="unanswered"]')
    await groups.first.locator(".dismiss").click()
    await expect(page.locator("#unanswered-list")).to_contain_text("No unanswered questions.")
    await expect(page.locator("#unanswered-count")).to_have_text("0")
    assert errors == []


async def test_an_agent_may_not_use_the_editor(server, browser, artifacts):
    await server.gateway.accounts.add_user("andy", "agent", PASSWORD)
    context = await browser.new_context(viewport=DESKTOP, locale="en-US")
    page = await context.new_page()
    # Through the login form: the page refuses the role and shows no editor.
    await page.goto(server.url + "/kb")
    await page.fill("#login-username", "andy")
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#login-error")).to_have_text("The agent role may not open this page.")
    await expect(page.locator("#app")).to_be_hidden()
    # With the agent's session cookie now set: the page itself is a 403, and so is every write.
    response = await page.goto(server.url + "/kb")
    assert response.status == 403
    await expect(page.locator("body")).to_contain_text("The agent role may not open this page.")
    await page.screenshot(path=str(artifacts / "kb-agent-403.png"))
    writes = [("post", "/api/kb/entries", {"question": "x?", "answer": "y"}),
              ("put", "/api/kb/entries/refund-en", {"question": "x?", "answer": "y", "version": 1}),
              ("post", "/api/kb/entries/refund-en/publish", {"version": 1}),
              ("post", "/api/kb/entries/refund-en/rollback", {"version": 1, "to_version": 1}),
              ("post", "/api/kb/unanswered/entry", {"question": "x?", "answer": "y", "message_ids": [1]}),
              ("post", "/api/kb/unanswered/dismiss", {"message_ids": [1]}),
              ("get", "/api/kb/unanswered", None)]
    # With the page's CSRF token, so that what refuses them is the role, not the forgery check.
    csrf = next(c["value"] for c in await context.cookies() if c["name"] == "cs_csrf")
    for method, path, body in writes:
        answer = await getattr(context.request, method)(server.url + path, headers={"X-CSRF-Token": csrf},
                                                        **({"data": body} if body else {}))
        assert answer.status == 403, (method, path, answer.status)
        assert (await answer.json())["error"]["code"] == "forbidden"
    search = await context.request.post(server.url + "/api/kb/search", data={"text": "运费怎么算？"},
                                        headers={"X-CSRF-Token": csrf})
    assert search.status == 200  # reading and searching stay open to agents
