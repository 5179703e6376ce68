"""The /kb "Learning" tab in headless Chromium: two real Socket.IO customers click Helpful on the
bot's answers, an editor sees their words proposed (and the confusable pairs of the demo knowledge
base), approves one and rejects the other. Screenshots go to test-artifacts/."""
import re

import pytest
from playwright.async_api import expect

from gateway.texts import en, zh
from gateway.texts.ui import CATALOGUES
from tests.chat_client import ChatClient
from tests.e2e.test_kb_editor_browser import open_kb
from tests.e2e.test_kb_learning import eager_server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

ZH = CATALOGUES["zh-CN"]
EN_WORDS = "I need a fapiao for my company, how?"   # answered by invoice-en
ZH_WORDS = "怎么保存茶叶比较好"                        # answered by tea-storage-zh
WAIT = 15_000  # ms: the longest any expect here waits


async def bot_reply(customer, after: int):
    return await customer.wait_for("message", lambda m: m["sender"] == "bot" and m["id"] > after, timeout=15)


async def click_helpful(server, words: str, helpful: str):
    """A real customer asks, gets an answer, and sends its first quick reply: Helpful, in their language."""
    customer = await ChatClient().connect(server.url)
    try:
        await customer.send(words, "c-1")
        answer = await bot_reply(customer, 0)
        assert answer["quick_replies"][0] == helpful, answer
        await customer.send(helpful, "c-2")
        await bot_reply(customer, answer["id"])
    finally:
        await customer.close()


async def test_an_editor_approves_and_rejects_the_customers_words_in_the_learning_tab(eager_server, browser,
                                                                                     artifacts):
    server = eager_server
    await click_helpful(server, EN_WORDS, en.TEXTS["helpful"])   # "Helpful"
    await click_helpful(server, ZH_WORDS, zh.TEXTS["helpful"])   # "有帮助"

    page, errors = await open_kb(browser, server)
    # Accounts start in English whatever the browser says: the editor switches the page to 中文.
    await page.select_option("#language", "zh-CN")
    await expect(page.locator('#tabs [data-tab="learning"] [data-i18n="kb.learning"]')).to_have_text(
        ZH["kb.learning"], timeout=WAIT)
    await expect(page.locator("#me-name")).to_have_text("erin")
    await expect(page.locator("#entries li").first).to_be_visible()
    assert await page.evaluate("document.documentElement.lang") == "zh-CN"

    count = page.locator("#learning-count")
    await expect(count).to_have_text("2", timeout=WAIT)
    await page.click('#tabs [data-tab="learning"]')
    await expect(page.locator("#tab-learning")).to_be_visible()

    cards = page.locator("#proposals .proposal")
    await expect(cards).to_have_count(2, timeout=WAIT)
    en_card = cards.filter(has=page.locator("blockquote.words", has_text=EN_WORDS))
    zh_card = cards.filter(has=page.locator("blockquote.words", has_text=ZH_WORDS))
    await expect(en_card.locator("blockquote.words")).to_have_text(EN_WORDS)
    await expect(zh_card.locator("blockquote.words")).to_have_text(ZH_WORDS)
    # Each card: the entry that answered and its question, how the words came, the two buttons.
    for_entry = ZH["kb.learning.for_entry"]
    await expect(en_card).to_contain_text(for_entry.format(id="invoice-en") + " · Can I get an invoice?")
    await expect(zh_card).to_contain_text(for_entry.format(id="tea-storage-zh") + " · 茶叶怎么保存？")
    for card in (en_card, zh_card):
        await expect(card).to_contain_text(ZH["kb.learning.source.helpful"])
        await expect(card.locator("button.approve")).to_have_text(ZH["kb.learning.approve"])
        await expect(card.locator("button.reject")).to_have_text(ZH["kb.learning.reject"])
    ids = {await card.get_attribute("data-proposal") for card in (en_card, zh_card)}
    assert len(ids) == 2 and all(re.fullmatch(r"\d+", i) for i in ids), ids

    # The self-check's confusable pairs: the demo has several, each naming its two entries.
    pairs = page.locator("#confusable li.pair")
    await expect(pairs.first).to_be_visible(timeout=WAIT)
    for i in range(await pairs.count()):
        sides = [s.split(" · ")[0] for s in await pairs.nth(i).locator(".side").all_text_contents()]
        assert len(sides) == 2 and sides[0] != sides[1], sides
        await expect(pairs.nth(i).locator("p.muted")).to_contain_text(re.compile(r"（置信度 \d\.\d\d）$"))
    shipping = pairs.filter(has_text="shipping-fee-zh · ").filter(has_text="free-shipping-zh · ")
    await expect(shipping).to_have_count(1)
    await expect(shipping.locator(".side")).to_have_count(2)
    await page.screenshot(path=str(artifacts / "kb-learning.png"), full_page=True)

    # Approve the Chinese words, reject the English ones: each card goes and the count drops.
    await zh_card.locator("button.approve").click()
    await expect(zh_card).to_have_count(0, timeout=WAIT)
    await expect(cards).to_have_count(1)
    await expect(count).to_have_text("1")
    await en_card.locator("button.reject").click()
    await expect(cards).to_have_count(0, timeout=WAIT)
    await expect(page.locator("#proposals")).to_have_text(ZH["kb.learning.no_proposals"])
    await expect(count).to_have_text("0")
    await expect(page.locator("#learning-error")).to_have_text("")

    # The approved words are now an alternate of their entry, in a new version.
    await page.fill("#search", "tea-storage-zh")
    row = page.locator('#entries li[data-id="tea-storage-zh"]')
    await expect(row).to_have_count(1, timeout=WAIT)
    await row.click()
    await expect(page.locator("#entry-id")).to_have_value("tea-storage-zh")
    await expect(page.locator("#entry-alternates")).to_have_value(re.compile(rf"\n{ZH_WORDS}$"), timeout=WAIT)
    await expect(page.locator("#entry-version")).to_contain_text("第 2 版")
    # Over the API with the page's own session: approved in, rejected not.
    tea = await (await page.request.get(server.url + "/api/kb/entries/tea-storage-zh")).json()
    assert tea["alternates"][-1] == ZH_WORDS and tea["version"] == 2, tea
    invoice = await (await page.request.get(server.url + "/api/kb/entries/invoice-en")).json()
    assert EN_WORDS not in invoice["alternates"] and invoice["version"] == 1, invoice
    assert errors == []
