"""Supervisors' figures for a period: how fast people answered, whether the promises held,
whether customers came back, how they rated it, and how much the bot kept for itself.

Four queries per report (hand-offs, conversations, complaints, agent names), asked of a
`ReportSource` (storage's read model, gateway/storage/report_queries.py): the database does
the joins, the existence checks and the grouping. Percentiles need the individual response
times, so the hand-off query returns one narrow fact per hand-off of the period.

Definitions (the README repeats them; tests compute them independently):

* Period: whole UTC days, `from` and `to` both included. Hand-off figures cover hand-offs
  *queued* in the period, whenever they were answered, resolved or rated: one cohort, so the
  rates share a denominator. Conversation figures cover conversations *created* in it.
* First-response time: the service time (see service_hours.py) from `queued_at` to
  `first_response_at`, the first agent reply of that hand-off: a night in between is not
  the desk's delay. Median and p90 are nearest-rank (the ⌈p·n⌉-th smallest), so both are real
  observed times.
* SLA compliance: met / decided. Met = answered no later than the hand-off's stored
  `first_response_due_at`. Decided = answered, or the deadline has passed (unanswered, or
  resolved without a human reply, both count as missed). A clock still running is left out.
* First-contact resolution (FCR): of resolved hand-offs whose 7-day window has closed, the
  share after which the same customer (any conversation, any channel) did not need people
  again: no new hand-off queued within 7 days of `resolved_at`. A customer who only says
  "thanks" is answered by the bot and does not count against it; one whose problem came back
  to the desk does. Target ≥ 85 %.
* CSAT: ratings of 4 or 5 / all ratings, for the cohort's hand-offs. Target ≥ 90 %.
* Hand-off rate: conversations with a hand-off / conversations with at least one customer
  message. Bot containment: conversations with a customer message, a bot reply and no
  hand-off, over the same denominator (a conversation nobody answered is in neither).
* Complaints: registered in the period, by category and severity; clock compliance = clocks
  met no later than due / clocks decided (met, or due by now).
* Staffing inputs: arrivals = cohort hand-offs per service hour of the period (up to now), and the
  busiest service hour (a hand-off made while closed counts in the hour people are back, when
  it is work); handle time = mean `resolved_at − assigned_at` of the cohort's
  resolved hand-offs (from the last assignment, so a transfer restarts it).
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from typing import Protocol

from handoff.service_hours import ServiceHours

CHANNELS = ("web", "telegram")
FCR_WINDOW = timedelta(days=7)
TARGETS = {"fcr": 0.85, "csat": 0.90}
MAX_DAYS = 366
# First-response histogram: upper bounds in seconds (the last bucket is open).
FRT_BOUNDS = (60, 120, 300, 600, 1200, 1800, 3600)
FRT_LABELS = ("< 1 min", "1–2 min", "2–5 min", "5–10 min", "10–20 min", "20–30 min", "30–60 min", "≥ 60 min")


@dataclass(frozen=True)
class HandoffFact:
    """One hand-off of the period as the figures need it."""
    id: int
    assignee_id: int | None
    queued_at: datetime
    first_response_due_at: datetime
    first_response_at: datetime | None
    assigned_at: datetime | None
    resolved_at: datetime | None
    channel: str
    score: int | None  # its CSAT rating
    next_handoff_at: datetime | None  # the same customer's next hand-off after this one was resolved


class ReportSource(Protocol):
    async def handoffs(self, start: datetime, end: datetime) -> list[HandoffFact]:
        """Hand-offs queued in [start, end)."""

    async def conversation_counts(self, start: datetime, end: datetime) -> dict[str, dict]:
        """Per channel, of conversations created in [start, end) with a customer message:
        `conversations`, `handed_off`, `bot_contained`."""

    async def complaints(self, start: datetime, end: datetime, as_of: datetime) -> tuple[list[dict], list[dict]]:
        """Complaints registered in [start, end) by category and severity, and their clocks
        by kind, each with counts of clocks met and decided as of `as_of`."""

    async def agent_names(self, user_ids: list[int]) -> dict[int, str]: ...


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), tzinfo=timezone.utc)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=timezone.utc)

    @classmethod
    def parse(cls, first: str | None, last: str | None, today: date) -> "Period":
        """`from`/`to` as YYYY-MM-DD (both included); the last 7 days by default."""
        try:
            last_day = date.fromisoformat(last) if last else today
            first_day = date.fromisoformat(first) if first else last_day - timedelta(days=6)
        except ValueError:
            raise PeriodError("from and to must be dates as YYYY-MM-DD") from None
        if first_day > last_day:
            raise PeriodError("from must not be after to")
        if (last_day - first_day).days + 1 > MAX_DAYS:
            raise PeriodError(f"a period is at most {MAX_DAYS} days")
        return cls(first_day, last_day)


def nearest_rank(sorted_values: list[float], share: float) -> float | None:
    """The ⌈share·n⌉-th smallest value (1-based), None for no values."""
    if not sorted_values:
        return None
    return sorted_values[max(1, math.ceil(share * len(sorted_values))) - 1]


def histogram(values: list[float]) -> list[int]:
    counts = [0] * (len(FRT_BOUNDS) + 1)
    for value in values:
        counts[next((i for i, bound in enumerate(FRT_BOUNDS) if value < bound), len(FRT_BOUNDS))] += 1
    return counts


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class HandoffStats:
    """The hand-off KPIs of one group (everything, one channel, or one agent)."""

    handoffs: int = 0
    response_seconds: list[float] = field(default_factory=list)
    sla_decided: int = 0
    sla_met: int = 0
    fcr_decided: int = 0
    fcr_first_time: int = 0
    csat_responses: int = 0
    csat_satisfied: int = 0
    handle_seconds: list[float] = field(default_factory=list)

    def add(self, row, as_of: datetime, hours: ServiceHours) -> None:
        self.handoffs += 1
        if row.first_response_at is not None:
            self.response_seconds.append(hours.service_seconds(row.queued_at, row.first_response_at))
        if row.first_response_at is not None or row.first_response_due_at <= as_of:
            self.sla_decided += 1
            if row.first_response_at is not None and row.first_response_at <= row.first_response_due_at:
                self.sla_met += 1
        if row.resolved_at is not None and row.resolved_at + FCR_WINDOW <= as_of:
            self.fcr_decided += 1
            if row.next_handoff_at is None or row.next_handoff_at > row.resolved_at + FCR_WINDOW:
                self.fcr_first_time += 1
        if row.score is not None:
            self.csat_responses += 1
            self.csat_satisfied += row.score >= 4
        if row.resolved_at is not None and row.assigned_at is not None:
            self.handle_seconds.append((row.resolved_at - row.assigned_at).total_seconds())

    def to_dict(self) -> dict:
        times = sorted(self.response_seconds)
        return {
            "handoffs": self.handoffs, "answered": len(times),
            "frt_median_seconds": nearest_rank(times, 0.5), "frt_p90_seconds": nearest_rank(times, 0.9),
            "frt_histogram": histogram(times),
            "sla_decided": self.sla_decided, "sla_met": self.sla_met,
            "sla_compliance": ratio(self.sla_met, self.sla_decided),
            "fcr_decided": self.fcr_decided, "fcr_first_time": self.fcr_first_time,
            "fcr": ratio(self.fcr_first_time, self.fcr_decided),
            "csat_responses": self.csat_responses, "csat_satisfied": self.csat_satisfied,
            "csat": ratio(self.csat_satisfied, self.csat_responses),
            "handled": len(self.handle_seconds),
            "aht_seconds": sum(self.handle_seconds) / len(self.handle_seconds) if self.handle_seconds else None,
        }


def _conversation_figures(counts: dict) -> dict:
    total = counts.get("conversations", 0)
    return {"conversations": total, "handed_off": counts.get("handed_off", 0),
            "bot_contained": counts.get("bot_contained", 0),
            "handoff_rate": ratio(counts.get("handed_off", 0), total),
            "containment": ratio(counts.get("bot_contained", 0), total)}


async def build_report(source: ReportSource, period: Period, as_of: datetime,
                       service: ServiceHours = ServiceHours()) -> dict:
    rows = await source.handoffs(period.start, period.end)
    overall, channels, agents = HandoffStats(), defaultdict(HandoffStats), defaultdict(HandoffStats)
    hours = Counter()
    for row in rows:
        for stats in (overall, channels[row.channel], agents[row.assignee_id]):
            stats.add(row, as_of, service)
        # One that arrives while closed is work for the hour people are back: the busiest
        # hour the staffing calculator starts from is always a service hour.
        hours[service.next_opening(row.queued_at).replace(minute=0, second=0, microsecond=0)] += 1
    conversations = await source.conversation_counts(period.start, period.end)
    complaints, complaint_clocks = await source.complaints(period.start, period.end, as_of)
    names = await source.agent_names([a for a in agents if a is not None])

    all_conversations = {key: sum(c[key] for c in conversations.values())
                         for key in ("conversations", "handed_off", "bot_contained")}
    summary = {**overall.to_dict(), **_conversation_figures(all_conversations)}
    by_channel = [{"channel": name, **channels[name].to_dict(), **_conversation_figures(conversations.get(name, {}))}
                  for name in sorted(set(CHANNELS) | set(channels) | set(conversations),
                                     key=lambda c: (c not in CHANNELS, CHANNELS.index(c) if c in CHANNELS else 0, c))]
    by_agent = [{"agent_id": agent_id, "agent": names.get(agent_id, "(unassigned)" if agent_id is None else f"#{agent_id}"),
                 **stats.to_dict()}
                for agent_id, stats in sorted(agents.items(), key=lambda kv: (kv[0] is None, names.get(kv[0], "")))]
    # Staffing is for the hours people are meant to be there: closed hours would thin the load.
    elapsed_hours = service.service_seconds(period.start, min(period.end, as_of)) / 3600
    return {
        "period": {"from": period.first_day.isoformat(), "to": period.last_day.isoformat(),
                   "start": period.start.isoformat(), "end": period.end.isoformat(), "as_of": as_of.isoformat(),
                   "timezone": "UTC"},
        "targets": {**TARGETS, "fcr_window_days": FCR_WINDOW.days},
        "summary": summary,
        "by_channel": by_channel,
        "by_agent": by_agent,
        "frt_buckets": list(FRT_LABELS),
        "complaints": complaints,
        "complaint_clocks": complaint_clocks,
        "observed": {
            "handoffs": overall.handoffs,
            "hours": elapsed_hours,
            "arrivals_per_hour": overall.handoffs / elapsed_hours if elapsed_hours else None,
            "peak_hour_arrivals": max(hours.values()) if hours else 0,
            "aht_seconds": summary["aht_seconds"],
        },
    }
