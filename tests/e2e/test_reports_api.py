"""The report API over HTTP on a live server: supervisors get figures and CSV, agents get 403."""
import csv
import json
import io

import aiohttp
import pytest

from gateway.web.auth import COOKIE
from tests.integration.test_reports import FIRST, LAST, seed

PASSWORD = "correct horse battery"
PERIOD = f"from={FIRST}&to={LAST}"
REPORT_APIS = [f"/api/reports?{PERIOD}", f"/api/metrics/summary?{PERIOD}", f"/api/reports/channels.csv?{PERIOD}",
               "/api/reports/staffing?arrivals_per_hour=10&handle_seconds=300"]


async def login(server, username, role) -> str:
    await server.gateway.accounts.add_user(username, role, PASSWORD)
    token, _ = await server.gateway.accounts.login(username, PASSWORD)
    return token


@pytest.fixture
async def seeded_server(server):
    async with server.gateway.session_factory() as session:
        await seed(session)
    return server


async def get(server, path, token=None, cookie=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    cookies = {COOKIE: cookie} if cookie else {}
    async with aiohttp.ClientSession(cookies=cookies) as http:
        async with http.get(server.url + path, headers=headers) as response:
            body = await response.text()
            return response.status, response.headers.get("Content-Type", ""), body


async def test_a_supervisor_gets_the_headline_kpis(seeded_server):
    token = await login(seeded_server, "sue", "supervisor")
    status, _, body = await get(seeded_server, f"/api/metrics/summary?{PERIOD}", token)
    assert status == 200

    kpis = json.loads(body)
    assert kpis["period"]["from"] == FIRST and kpis["period"]["to"] == LAST
    assert kpis["targets"] == {"fcr": 0.85, "csat": 0.9, "fcr_window_days": 7, "sla_seconds": 600}
    assert (kpis["handoffs"], kpis["frt_median_seconds"], kpis["frt_p90_seconds"]) == (5, 300, 900)
    assert kpis["sla_compliance"] == pytest.approx(0.6) and kpis["csat"] == pytest.approx(0.75)
    # Seen from today every 7-day window has closed, H5's too (nobody came back): 4 of 5.
    assert (kpis["fcr_first_time"], kpis["fcr_decided"]) == (4, 5)
    assert kpis["handoff_rate"] == pytest.approx(5 / 8) and kpis["containment"] == pytest.approx(2 / 8)
    # Clocks met on time / decided: 1/2 + 2/3 + 1/2 = 4 of 7, over 3 complaints.
    assert kpis["complaints"] == 3 and kpis["complaint_clock_compliance"] == pytest.approx(4 / 7)
    assert "frt_histogram" not in kpis


async def test_every_table_exports_as_csv(seeded_server):
    token = await login(seeded_server, "sue", "supervisor")
    status, kind, body = await get(seeded_server, f"/api/reports/channels.csv?{PERIOD}", token)
    assert status == 200 and kind == "text/csv; charset=utf-8"
    rows = {r["channel"]: r for r in csv.DictReader(io.StringIO(body))}
    assert list(rows) == ["web", "telegram"]
    assert (rows["web"]["handoffs"], rows["web"]["sla_met"], rows["web"]["conversations"]) == ("3", "2", "5")
    assert rows["telegram"]["frt_median_seconds"] == "570.0"
    _, _, body = await get(seeded_server, f"/api/reports/agents.csv?{PERIOD}", token)
    assert {r["agent"] for r in csv.DictReader(io.StringIO(body))} == {"ann", "bob", "(unassigned)"}
    _, _, body = await get(seeded_server, f"/api/reports/frt_histogram.csv?{PERIOD}", token)
    histogram = list(csv.DictReader(io.StringIO(body)))
    assert [r["all"] for r in histogram] == ["0", "0", "1", "2", "1", "0", "0", "0"]
    for table in ("summary", "complaints", "complaint_clocks"):
        status, kind, body = await get(seeded_server, f"/api/reports/{table}.csv?{PERIOD}", token)
        assert status == 200 and len(list(csv.DictReader(io.StringIO(body)))) >= 1, table
    status, _, body = await get(seeded_server, "/api/reports/complaints.csv?from=2024-01-01&to=2024-01-02", token)
    assert status == 200 and body.startswith("category,severity,complaints")


async def test_the_staffing_calculator(seeded_server):
    token = await login(seeded_server, "sue", "supervisor")

    status, _, body = await get(seeded_server, "/api/reports/staffing?arrivals_per_hour=200&handle_seconds=180"
                                               "&target_seconds=20&target_share=0.8", token)
    assert status == 200 and json.loads(body)["agents"] == 14
    status, _, body = await get(seeded_server, "/api/reports/staffing?arrivals_per_hour=12&handle_seconds=600", token)
    result = json.loads(body)
    assert status == 200 and result["target_seconds"] == 600 and result["target_share"] == 0.8


@pytest.mark.parametrize("path", [
    "/api/reports?from=yesterday", "/api/reports?from=2025-03-08&to=2025-03-01", "/api/reports?from=2020-01-01&to=2025-01-01",
    "/api/metrics/summary?to=2025-13-01", "/api/reports/staffing?handle_seconds=180",
    "/api/reports/staffing?arrivals_per_hour=abc&handle_seconds=180",
    "/api/reports/staffing?arrivals_per_hour=nan&handle_seconds=180",
    "/api/reports/staffing?arrivals_per_hour=10&handle_seconds=180&target_share=1.5",
    "/api/reports/staffing?arrivals_per_hour=10&handle_seconds=0",
])
async def test_bad_input_is_a_422_not_a_500(server, path):
    token = await login(server, "sue", "supervisor")
    status, _, body = await get(server, path, token)
    assert status == 422, body
    assert '"error"' in body


async def test_an_unknown_table_is_a_404(server):
    token = await login(server, "sue", "supervisor")
    status, _, _ = await get(server, "/api/reports/passwords.csv", token)
    assert status == 404


async def test_agents_get_403_and_strangers_401(server):
    agent = await login(server, "ann", "agent")
    for path in REPORT_APIS:
        assert (await get(server, path, agent))[0] == 403, path
        assert (await get(server, path, cookie=agent))[0] == 403, path
        assert (await get(server, path))[0] == 401, path
    status, kind, body = await get(server, "/reports", cookie=agent)
    assert status == 403 and "may not open this page" in body
    supervisor = await login(server, "sue", "supervisor")
    status, kind, body = await get(server, "/reports", cookie=supervisor)
    assert status == 200 and 'src="/vendor/chart.umd.min.js"' in body


async def test_chart_js_is_served_locally_with_its_licence(server):
    status, kind, body = await get(server, "/vendor/chart.umd.min.js")
    assert status == 200 and kind.startswith("application/javascript")
    assert body.startswith("/*!\n * Chart.js v4.") and "Released under the MIT License" in body[:300]
