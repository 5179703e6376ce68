"""REST for the /reports page: the period's KPIs as JSON, every table as CSV, the headline
figures at /api/metrics/summary, and the Erlang C staffing calculator. Supervisors only:
per-agent figures are not for colleagues' eyes."""
from __future__ import annotations

import csv
import io
import math

from aiohttp import web

from gateway.conversations.ports import only_reading
from gateway.web.auth import SUPERVISORS, require
from gateway.json_api.errors import ApiError
from gateway.web.services import WebServices
from handoff import reports, staffing

SERVICES = web.AppKey("report_services", WebServices)
DEFAULT_SHARE = 0.8
TABLES = ("summary", "channels", "agents", "frt_histogram", "complaints", "complaint_clocks")
# Headers for the tables that can be empty, so an empty period still exports its columns.
EMPTY_HEADERS = {
    "agents": ("agent_id", "agent", "handoffs", "answered"),
    "complaints": ("category", "severity", "complaints", "clocks", "clocks_met", "clocks_decided", "clock_compliance"),
    "complaint_clocks": ("clock", "clocks", "clocks_met", "clocks_decided", "clock_compliance"),
}


async def _report(request: web.Request) -> dict:
    services = request.app[SERVICES]
    now = services.clock()
    try:
        period = reports.Period.parse(request.query.get("from"), request.query.get("to"), now.date())
    except reports.PeriodError as exc:
        raise ApiError(422, str(exc)) from None
    with only_reading():
        async with services.uow() as uow:
            report = await reports.build_report(uow.reports, period, now, services.calendar.current().hours)
    report["targets"]["sla_seconds"] = services.first_response_sla_seconds
    return report


@require(*SUPERVISORS)
async def get_report(request: web.Request) -> web.Response:
    """The period's KPIs: summary, per channel, per agent, complaints, observed load (?from=&to= dates)."""
    return web.json_response(await _report(request))


@require(*SUPERVISORS)
async def metrics_summary(request: web.Request) -> web.Response:
    """Headline KPIs for the period (?from=&to=, YYYY-MM-DD, UTC, both days included)."""
    report = await _report(request)
    summary = {k: v for k, v in report["summary"].items() if k != "frt_histogram"}
    clocks = report["complaint_clocks"]
    met, decided = sum(c["clocks_met"] for c in clocks), sum(c["clocks_decided"] for c in clocks)
    return web.json_response({
        "period": report["period"], "targets": report["targets"], **summary,
        "complaints": sum(c["complaints"] for c in report["complaints"]),
        "complaint_clock_compliance": reports.ratio(met, decided),
    })


def _rows(report: dict, table: str) -> list[dict]:
    def flat(row: dict) -> dict:
        return {k: v for k, v in row.items() if k != "frt_histogram"}

    if table == "summary":
        return [{"from": report["period"]["from"], "to": report["period"]["to"], **flat(report["summary"])}]
    if table == "channels":
        return [flat(r) for r in report["by_channel"]]
    if table == "agents":
        return [flat(r) for r in report["by_agent"]]
    if table == "frt_histogram":
        groups = [("all", report["summary"])] + [(r["channel"], r) for r in report["by_channel"]] + \
                 [(f"agent:{r['agent']}", r) for r in report["by_agent"]]
        return [{"bucket": label, **{name: g["frt_histogram"][i] for name, g in groups}}
                for i, label in enumerate(report["frt_buckets"])]
    return report[table]


def _cell(value):
    # A spreadsheet runs a cell that starts with = + - @ as a formula; names come from people.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value


def to_csv(rows: list[dict], empty_header: tuple = ()) -> str:
    out = io.StringIO()
    fields = list(rows[0]) if rows else list(empty_header)
    if fields:
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


@require(*SUPERVISORS)
async def report_csv(request: web.Request) -> web.Response:
    """One report table as CSV: summary, channels, agents, frt_histogram, complaints, complaint_clocks."""
    table = request.match_info["table"]
    if table not in TABLES:
        raise ApiError(404, f"no table {table!r}; tables: {', '.join(TABLES)}")
    report = await _report(request)
    name = f"{table}_{report['period']['from']}_{report['period']['to']}.csv"
    return web.Response(text=to_csv(_rows(report, table), EMPTY_HEADERS.get(table, ())), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store"})


def _number(request: web.Request, name: str, default: float | None = None) -> float:
    raw = request.query.get(name)
    if raw is None or raw == "":
        if default is None:
            raise ApiError(422, f"{name} is required")
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ApiError(422, f"{name} must be a number") from None
    if not math.isfinite(value):
        raise ApiError(422, f"{name} must be a finite number")
    return value


@require(*SUPERVISORS)
async def staffing_needed(request: web.Request) -> web.Response:
    """Erlang C: agents needed so target_share of hand-offs are answered within target_seconds."""
    arrivals = _number(request, "arrivals_per_hour")
    handle = _number(request, "handle_seconds")
    target = _number(request, "target_seconds", float(request.app[SERVICES].first_response_sla_seconds))
    share = _number(request, "target_share", DEFAULT_SHARE)
    if arrivals > 100_000 or handle > 604_800:
        raise ApiError(422, "at most 100000 arrivals per hour and a handle time of 604800 s (a week)")
    try:
        result = staffing.agents_needed(arrivals, handle, target, share)
    except ValueError as exc:
        raise ApiError(422, str(exc)) from None
    asa = result.average_speed_of_answer_seconds
    return web.json_response({"arrivals_per_hour": arrivals, "handle_seconds": handle, "target_seconds": target,
                              "target_share": share, **result.to_dict(),
                              "average_speed_of_answer_seconds": asa if math.isfinite(asa) else None})


def add_routes(app: web.Application, services: WebServices) -> None:
    app[SERVICES] = services
    app.router.add_get("/api/reports", get_report)
    app.router.add_get("/api/reports/staffing", staffing_needed)
    app.router.add_get("/api/reports/{table}.csv", report_csv)
    app.router.add_get("/api/metrics/summary", metrics_summary)
