"""The /webhooks page in headless Chromium, against a live gateway and a signed receiver on
127.0.0.1 (tests/fake_webhook_receiver.py): an admin adds an endpoint through the form, edits it
keeping the secret, watches a hand-off's delivery arrive, sends it again (the receiver drops the
duplicate) and deletes the endpoint; an agent is turned away. Screenshots go to test-artifacts/."""
import pytest
from playwright.async_api import expect

from gateway.conversations.webhook_events import EVENT_TYPES
from tests.conftest import start_server
from tests.e2e.test_console_browser import DESKTOP, PASSWORD
from tests.e2e.test_workspace_api import handed_off
from tests.fake_webhook_receiver import SECRET, webhook_settings

pytestmark = pytest.mark.browser



@pytest.fixture
async def live(sqlite_url, tmp_path, encoders):
    server = await start_server(webhook_settings(sqlite_url, tmp_path), encoders)
    yield server
    await server.stop()


async def open_webhooks(browser, server, username, role):
    """`username` logs in through the page's own form; `problems` collects script errors and
    refused requests other than the login probe."""
    await server.gateway.accounts.add_user(username, role, PASSWORD)
    page = await (await browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="UTC")).new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 and not (
        r.url.endswith("/api/auth/me") or r.url.endswith("/favicon.ico")) else None)
    assert (await page.goto(f"{server.url}/webhooks")).status == 200  # not logged in: the login form
    await page.fill("#login-username", username)
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    return page, problems


async def test_an_admin_adds_an_endpoint_sees_a_delivery_and_resends_it(live, receiver, browser, artifacts):
    page, problems = await open_webhooks(browser, live, "ada", "admin")
    await expect(page.locator("#me-role")).to_have_text("admin")
    await expect(page.locator("#topbar nav a[aria-current=page]")).to_have_text("Webhooks")
    await expect(page.locator("#webhooks-none")).to_be_visible()
    boxes = page.locator("#webhook-events input[type=checkbox]")
    await expect(boxes).to_have_count(len(EVENT_TYPES))  # the event types the API offers

    # The server's refusal shows in words, in an alert.
    await page.fill("#webhook-url", "ftp://shop.example/hook")
    await page.fill("#webhook-secret", SECRET)
    await page.get_by_role("checkbox", name="conversation.handed_off").check()
    await page.click("#webhook-save")
    error = page.locator("#webhook-error")
    await expect(error).to_have_attribute("role", "alert")
    await expect(error).to_contain_text("Not saved, a field is missing or wrong: url: Value error, "
                                        "url must be an http or https address with a host")

    await page.fill("#webhook-url", receiver.url)
    await page.click("#webhook-save")
    row = page.locator(f'#webhooks-rows tr[data-url="{receiver.url}"]')
    await expect(row).to_have_count(1)
    await expect(error).to_have_text("")
    await expect(page.locator("#form-title")).to_have_text("Add an endpoint")
    await expect(page.locator("#webhook-secret")).to_have_value("")  # not kept on the page
    await expect(row.locator("td.events")).to_have_text("conversation.handed_off")
    await expect(row.locator("td.secret")).to_have_text("set")
    await expect(row.locator("td.trusted")).to_have_text("masked")

    # Editing with the secret left empty keeps it: the receiver still verifies what arrives.
    await row.get_by_role("button", name=f"Edit the endpoint {receiver.url}").click()
    await expect(page.locator("#secret-keep")).to_be_visible()
    await expect(page.get_by_role("checkbox", name="conversation.handed_off")).to_be_checked()
    await page.check("#webhook-trusted")
    await page.click("#webhook-save")
    await expect(row.locator("td.trusted")).to_have_text("unmasked (trusted)")
    await expect(page.locator("#form-title")).to_have_text("Add an endpoint")

    await row.get_by_role("button", name=f"Show the deliveries to {receiver.url}").click()
    deliveries = page.locator("#deliveries")
    await expect(deliveries.locator("h2")).to_have_text(f"Deliveries to {receiver.url}")
    await expect(page.locator("#deliveries-none")).to_be_visible()

    customer, conversation_id = await handed_off(live, "转人工", "发票怎么开？")
    try:
        await receiver.wait_for(lambda r: len(r.accepted) == 1)
        event = receiver.accepted[0]
        assert event["type"] == "conversation.handed_off" and event["data"]["conversation_id"] == conversation_id
        # The page reads the deliveries again by itself.
        delivery = page.locator(f'#deliveries-rows tr[data-event-id="{event["id"]}"]')
        await expect(delivery).to_have_attribute("data-status", "delivered", timeout=10000)
        await expect(delivery.locator("td.status")).to_have_text("delivered")
        await expect(delivery.locator("td.attempts")).to_have_text("1")
        await expect(delivery.locator("td.last")).to_have_text("HTTP 204")
        await expect(delivery.locator("td.when")).to_contain_text("done:")
        await page.screenshot(path=str(artifacts / "webhooks-admin.png"), full_page=True)

        await delivery.get_by_role("button", name=f"Resend the conversation.handed_off event {event['id']}").click()
        await expect(page.locator("#flash")).to_contain_text("The conversation.handed_off event goes out again now.")
        await receiver.wait_for(lambda r: r.duplicates == 1)
        await expect(delivery.locator("td.attempts")).to_have_text("2", timeout=10000)
        await expect(delivery).to_have_attribute("data-status", "delivered")
        assert len(receiver.accepted) == 1 and receiver.refused == []
    finally:
        await customer.close()

    # Deleting asks once more on the button, and takes the deliveries with it.
    remove = row.locator("button.delete")
    await remove.click()
    await expect(remove).to_have_text("Really delete?")
    await remove.click()
    await expect(page.locator("#webhooks-none")).to_be_visible()
    await expect(deliveries).to_be_hidden()
    assert problems == [f"422 {live.url}/api/webhooks"]

    # An agent gets what the other admin pages give them: the form's refusal, then a 403 page.
    agent, agent_problems = await open_webhooks(browser, live, "amy", "agent")
    await expect(agent.locator("#login-error")).to_have_text("The agent role may not open this page.")
    await expect(agent.locator("#app")).to_be_hidden()
    refused = await agent.goto(f"{live.url}/webhooks")
    assert refused.status == 403
    await expect(agent.locator("body")).to_contain_text("The agent role may not open this page.")
    assert agent_problems == [f"403 {live.url}/webhooks"]
