"""The /reports page in headless Chromium on a seeded database: a supervisor logs in, the
figures and the three Chart.js charts draw, the staffing calculator answers; an agent is
refused. Screenshots go to test-artifacts/."""
import pytest
from playwright.async_api import expect

from tests.integration.test_reports import FIRST, LAST, seed

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "correct horse battery"
CHARTS = ("chart-frt", "chart-rates", "chart-complaints")
# How many pixels of a canvas were painted: a chart that failed to draw leaves it transparent.
PAINTED = """id => {
  const canvas = document.getElementById(id);
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
  return {painted, width: canvas.width, height: canvas.height, chart: !!Chart.getChart(canvas),
          datasets: Chart.getChart(canvas) ? Chart.getChart(canvas).data.datasets.length : 0};
}"""


async def open_reports(browser, server, username, role):
    await server.gateway.accounts.add_user(username, role, PASSWORD)
    context = await browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="UTC")
    page = await context.new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    # The page asks who is logged in before the login (401) and the browser asks for a favicon
    # (404): expected; any other failed request is a problem.
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 and not (
        r.url.endswith("/api/auth/me") or r.url.endswith("/favicon.ico")) else None)
    response = await page.goto(f"{server.url}/reports?from={FIRST}&to={LAST}")
    assert response.status == 200
    await expect(page.locator("#login-form")).to_be_visible()
    await page.fill("#login-username", username)
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    return page, problems


async def test_a_supervisor_sees_the_figures_and_the_charts_draw(server, browser, artifacts):
    async with server.gateway.session_factory() as session:
        await seed(session)
    page, problems = await open_reports(browser, server, "sue", "supervisor")
    await expect(page.locator("#me-role")).to_have_text("supervisor")
    kpis = page.locator("#kpis .kpi")
    await expect(kpis).to_have_count(8)
    await expect(kpis.filter(has_text="SLA compliance")).to_contain_text("60.0 %")
    await expect(kpis.filter(has_text="CSAT")).to_contain_text("75.0 %")
    await expect(kpis.filter(has_text="CSAT")).to_have_class("kpi bad")   # under the 90 % target
    await expect(kpis.filter(has_text="First response (median)")).to_contain_text("5 min")
    await expect(page.locator("#table-channels tbody tr")).to_have_count(2)
    await expect(page.locator("#table-agents tbody tr")).to_have_count(3)
    await expect(page.locator("#table-complaints tbody tr")).to_have_count(3)
    for chart in CHARTS:
        drawn = await page.evaluate(PAINTED, chart)
        assert drawn["chart"] and drawn["datasets"] >= 1, (chart, drawn)
        assert drawn["painted"] > 0.01 * drawn["width"] * drawn["height"], (chart, drawn)
    href = await page.get_attribute("#csv-channels", "href")
    assert href == f"/api/reports/channels.csv?from={FIRST}&to={LAST}"

    # Pre-filled from the period (busiest hour: 1 hand-off), then the published example.
    await expect(page.locator("#st-arrivals")).to_have_value("1")
    await expect(page.locator("#st-target")).to_have_value("600")
    await expect(page.locator("#staffing-result")).to_contain_text("Agents needed")
    await page.screenshot(path=str(artifacts / "reports-1280x800.png"))
    await page.screenshot(path=str(artifacts / "reports-full.png"), full_page=True)
    for selector, value in (("#st-arrivals", "200"), ("#st-handle", "180"), ("#st-target", "20"), ("#st-share", "80")):
        await page.fill(selector, value)
    await page.click("#st-calc")
    await expect(page.locator("#staffing-result .headline dd")).to_have_text("14")
    await page.locator("#staffing").screenshot(path=str(artifacts / "reports-staffing.png"))

    # A period with nothing in it still renders, with empty tables and no script errors.
    await page.fill("#period-from", "2024-01-01")
    await page.fill("#period-to", "2024-01-07")
    await page.click("#period-apply")
    await expect(page.locator("#table-agents")).to_contain_text("Nothing in this period.")
    assert [p for p in problems if not p.startswith("Failed to load resource")] == []


async def test_an_agent_is_refused_the_reports_page(server, browser):
    page, _ = await open_reports(browser, server, "ann", "agent")
    await expect(page.locator("#login-error")).to_have_text("The agent role may not open this page.")
    assert await page.locator("#app").is_hidden()
    response = await page.reload()  # now with the agent's session cookie
    assert response.status == 403
    await expect(page.locator("body")).to_contain_text("The agent role may not open this page.")
