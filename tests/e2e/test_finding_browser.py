"""Finding conversations in the agent console, the transfer picker, the console's keys and the
bot's replies live in an open transcript (issue #18), in headless Chromium against a real
gateway, with real chat clients as customers. Screenshots go to test-artifacts/."""
import re

import pytest
from playwright.async_api import expect

from tests.chat_client import ChatClient
from tests.e2e.test_console_browser import open_and_claim, open_console, queue_row, queued_customer

pytestmark = pytest.mark.browser

UMBRELLA = "I left my purple umbrella at your Harbour Street store on Tuesday"


async def search(page, words):
    """Types into the search box the way a person does and waits for the answer."""
    await page.fill("#search-q", words)
    await expect(page.locator("#search-state")).to_have_text(re.compile(r"found|Nothing found"))


async def test_an_agent_finds_a_resolved_conversation_they_handled_and_reads_it_read_only(server, browser, artifacts):
    customer = await queued_customer(server, UMBRELLA, "It has a wooden handle.")
    try:
        ann, ann_errors = await open_console(browser, server, "ann")
        await open_and_claim(ann, "wooden handle")
        conversation_id = customer.session["conversation_id"]

        # Shift+Enter breaks the line, Enter sends.
        await ann.locator("#reply-text").press_sequentially("We are checking the store.")
        await ann.locator("#reply-text").press("Shift+Enter")
        await ann.locator("#reply-text").press_sequentially("One moment please.")
        await expect(ann.locator("#reply-text")).to_have_value("We are checking the store.\nOne moment please.")
        await ann.locator("#reply-text").press("Enter")
        reply = await customer.wait_for("message", lambda m: m["sender"] == "agent")
        assert reply["text"] == "We are checking the store.\nOne moment please."

        await ann.click("#resolve")
        await expect(ann.locator("#conv-status")).to_have_text("resolved")
        await expect(ann.locator("#read-only")).to_be_visible()
        await expect(ann.locator("#mine li.conv")).to_have_count(0)

        # Later, on a fresh page: "/" (outside any text field) goes to the search box.
        await ann.reload()
        await expect(ann.locator("#connection")).to_have_attribute("data-state", "online")
        await expect(ann.locator("#detail")).to_be_hidden()
        await ann.keyboard.press("/")
        await expect(ann.locator("#search-q")).to_be_focused()
        await expect(ann.locator("#search-q")).to_have_value("")  # the "/" opened the box, it is not a search
        await ann.keyboard.type("umbrella")
        await expect(ann.locator("#search-state")).to_have_text("1 found")
        found = ann.locator("#search-results li.conv")
        await expect(found).to_have_count(1)
        await expect(found).to_have_attribute("data-id", conversation_id)
        await expect(found.locator(".status")).to_have_text("resolved")
        await expect(found.locator(".conv-text")).to_have_text("It has a wooden handle.")
        await expect(found.locator(".match")).to_have_text(UMBRELLA)  # the words found, not only the last ones
        assert await ann.locator("#search-assignee option").all_text_contents() == ["anyone", "me"]

        await found.click()
        await expect(ann.locator("#conv-status")).to_have_text("resolved")
        await expect(ann.locator("#search-results li.conv.selected")).to_have_count(1)
        await expect(ann.locator('#transcript .msg[data-sender="customer"] .text').filter(has_text="umbrella")).to_have_text(
            UMBRELLA)
        await expect(ann.locator('#transcript .msg[data-sender="agent"] .text')).to_have_text(
            "We are checking the store.\nOne moment please.")
        await expect(ann.locator("#read-only")).to_have_text(
            "Read-only: this conversation is resolved; you can read it but not reply.")
        await expect(ann.locator("#reply-text")).to_be_disabled()
        await expect(ann.locator("#reply-send")).to_be_disabled()
        await expect(ann.locator("#note-text")).to_be_disabled()
        for action in ("#claim", "#transfer", "#resolve"):
            await expect(ann.locator(action)).to_be_hidden()
        await ann.screenshot(path=str(artifacts / "finding-agent-resolved-read-only.png"))

        # Another agent never had it: the search does not find it and the API will not show it.
        bob, bob_errors = await open_console(browser, server, "bob")
        await search(bob, "umbrella")
        await expect(bob.locator("#search-state")).to_have_text("Nothing found.")
        await expect(bob.locator("#search-results li.conv")).to_have_count(0)
        answer = await bob.request.get(f"{server.url}/api/conversations/{conversation_id}")
        assert answer.status == 403

        # A supervisor finds it, among anyone's, and can narrow it to who had it.
        sue, sue_errors = await open_console(browser, server, "sue", "supervisor")
        await search(sue, "umbrella")
        await expect(sue.locator("#search-results li.conv")).to_have_count(1)
        await sue.locator("#search-filters summary").click()
        await expect(sue.locator("#search-assignee option", has_text="ann")).to_have_count(1)
        await sue.select_option("#search-status", "resolved")
        await expect(sue.locator("#search-results li.conv")).to_have_attribute("data-id", conversation_id)
        await sue.select_option("#search-status", "queued")
        await expect(sue.locator("#search-state")).to_have_text("Nothing found.")
        await sue.select_option("#search-status", "")
        await sue.select_option("#search-channel", "web")
        await expect(sue.locator("#search-results li.conv")).to_have_count(1)
        await sue.locator("#search-results li.conv").click()
        await expect(sue.locator('#transcript .msg[data-sender="customer"]', has_text=UMBRELLA)).to_have_count(1)
        await expect(sue.locator("#reply-text")).to_be_disabled()
        await sue.screenshot(path=str(artifacts / "finding-supervisor-search.png"))
        assert ann_errors == [] and bob_errors == [] and sue_errors == []
    finally:
        await customer.close()


async def test_the_keys_open_the_queue_in_turn_and_claim(server, browser, artifacts):
    first = await queued_customer(server, "first in line: my parcel is late")
    second = await queued_customer(server, "second in line: I want a refund")
    try:
        ann, errors = await open_console(browser, server, "ann")
        await expect(ann.locator("#queue li.conv")).to_have_count(2)
        await expect(ann.locator("#detail")).to_be_hidden()

        await ann.keyboard.press("j")
        await expect(queue_row(ann, "first in line")).to_have_class(re.compile(r"\bselected\b"))
        await expect(ann.locator('#transcript .msg[data-sender="customer"] .text').last).to_have_text(
            "first in line: my parcel is late")
        await expect(queue_row(ann, "first in line")).to_be_focused()
        await ann.keyboard.press("j")
        await expect(queue_row(ann, "second in line")).to_have_class(re.compile(r"\bselected\b"))
        await expect(ann.locator('#transcript .msg[data-sender="customer"] .text').last).to_have_text(
            "second in line: I want a refund")
        # In a list, the arrow keys do the same.
        await ann.keyboard.press("ArrowUp")
        await expect(queue_row(ann, "first in line")).to_have_class(re.compile(r"\bselected\b"))
        await expect(queue_row(ann, "first in line")).to_be_focused()
        await ann.keyboard.press("k")  # already the first: stays
        await expect(ann.locator("#conv-status")).to_have_text("queued")
        await expect(ann.locator('#transcript .msg[data-sender="customer"] .text').last).to_have_text(
            "first in line: my parcel is late")
        await ann.screenshot(path=str(artifacts / "finding-keys-queue-focus.png"))

        await ann.keyboard.press("c")
        await expect(ann.locator("#conv-status")).to_have_text("assigned")
        await expect(ann.locator("#mine li.conv")).to_have_count(1)
        await expect(ann.locator("#mine li.conv")).to_contain_text("first in line")
        await expect(ann.locator("#queue li.conv")).to_have_count(1)
        handoff = await first.wait_for("handoff", lambda h: h["state"] == "assigned")
        assert handoff["agent_name"] == "ann"

        # In the reply box the letters are words: nothing moves, nothing is claimed.
        await expect(ann.locator("#reply-text")).to_be_focused()
        await ann.keyboard.type("jck")
        await expect(ann.locator("#reply-text")).to_have_value("jck")
        await expect(ann.locator("#conv-status")).to_have_text("assigned")
        await expect(ann.locator("#queue li.conv")).to_have_count(1)
        assert not [h for h in second.events["handoff"] if h["state"] == "assigned"]
        assert errors == []
    finally:
        await first.close()
        await second.close()


async def test_an_agent_transfers_a_conversation_to_an_online_colleague_through_the_picker(server, browser,
                                                                                          artifacts):
    customer = await queued_customer(server, "the zipper on my jacket broke")
    try:
        ann, ann_errors = await open_console(browser, server, "ann")
        await open_and_claim(ann, "zipper on my jacket")
        # Online after the claim: an online agent would have been given the queued customer.
        bob, bob_errors = await open_console(browser, server, "bob")
        await bob.select_option("#presence", "online")
        await expect(bob.locator("#presence-state")).to_have_text("online · up to 5")

        # The picker takes the focus, Escape closes it and gives the focus back.
        await ann.locator("#transfer").focus()
        await ann.keyboard.press("Enter")
        picker = ann.locator("#transfer-picker")
        await expect(picker).to_be_visible()
        choice = picker.locator('button.pick[data-username="bob"]')
        await expect(choice).to_contain_text("online · 0/5")
        await expect(picker.locator('button.pick[data-username="ann"]')).to_have_count(0)  # not to herself
        await expect(choice).to_be_focused()
        await expect(picker.locator("#transfer-queue")).to_be_visible()
        await ann.screenshot(path=str(artifacts / "finding-transfer-picker.png"))
        await ann.keyboard.press("Escape")
        await expect(picker).to_be_hidden()
        await expect(ann.locator("#transfer")).to_be_focused()
        await expect(ann.locator("#conv-status")).to_have_text("assigned")

        await ann.keyboard.press("Enter")
        await expect(choice).to_be_focused()
        await ann.keyboard.press("Enter")
        await expect(picker).to_be_hidden()
        await expect(ann.locator("#flash")).to_contain_text("Transferred to bob.")
        handoff = await customer.wait_for("handoff", lambda h: h["state"] == "assigned" and h.get("agent_name") == "bob")
        assert handoff["agent_name"] == "bob"
        # Another agent's conversation is not hers to read any more: it leaves her screen, quietly.
        await expect(ann.locator("#mine li.conv")).to_have_count(0)
        await expect(ann.locator("#detail")).to_be_hidden()
        await expect(ann.locator("#empty")).to_be_focused()
        await expect(ann.locator("#flash")).not_to_contain_text("no longer")

        mine = bob.locator("#mine li.conv")
        await expect(mine).to_have_count(1)
        await expect(mine).to_contain_text("zipper on my jacket")
        await mine.click()
        await expect(bob.locator("#conv-status")).to_have_text("assigned")
        await expect(bob.locator("#reply-text")).to_be_enabled()
        await expect(bob.locator("#read-only")).to_be_hidden()
        await bob.screenshot(path=str(artifacts / "finding-transfer-received.png"))
        assert ann_errors == [] and bob_errors == []
    finally:
        await customer.close()


async def test_a_supervisor_watching_a_bot_conversation_sees_the_bots_answer_live(server, browser, artifacts):
    customer = await ChatClient().connect(server.url)
    try:
        await customer.send("How much is shipping?", "c-1")
        await customer.wait_for("message", lambda m: m["sender"] == "bot")
        sue, errors = await open_console(browser, server, "sue", "supervisor")

        await sue.locator("#search-filters summary").click()
        await sue.select_option("#search-status", "bot")
        found = sue.locator("#search-results li.conv")
        await expect(found).to_have_count(1)
        await expect(found).to_have_attribute("data-id", customer.session["conversation_id"])
        await found.click()
        await expect(sue.locator("#conv-status")).to_have_text("bot")
        await expect(sue.locator("#read-only")).to_be_visible()
        await expect(sue.locator("#reply-text")).to_have_attribute("placeholder", "The bot is answering this customer.")
        bot = sue.locator('#transcript .msg[data-sender="bot"]')
        await expect(bot).to_have_count(1)
        await expect(bot.locator(".text")).to_contain_text("¥8")
        await expect(bot.locator(".quick")).to_have_text("Offered: Helpful, Not helpful, Talk to a person")

        # The customer asks again; the question and the bot's answer appear in the open
        # transcript, without the supervisor doing anything.
        await customer.send("How long does delivery take?", "c-2")
        await expect(sue.locator('#transcript .msg[data-sender="customer"] .text').last).to_have_text(
            "How long does delivery take?")
        await expect(bot).to_have_count(2)
        await expect(bot.last.locator(".text")).to_contain_text("24 hours")
        await expect(bot.last.locator(".who")).to_have_text("Bot")
        await sue.screenshot(path=str(artifacts / "finding-live-bot-reply.png"))
        assert errors == []
    finally:
        await customer.close()
