"""The shop's service calendar: weekly opening hours in one time zone, minus holidays.

Pure: no I/O, times passed in. Deadlines are computed once from it and stored, so a
calendar change later moves no clock that is already running. Arithmetic happens in UTC
and days are laid out in the shop's zone, so a daylight-saving change neither adds nor
loses service time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead to look for an opening: a calendar closed for longer is a mistake.
HORIZON_DAYS = 3 * 366
_SEGMENT = re.compile(r"^\s*(?P<days>[a-z,\-]+)\s+(?P<spans>closed|[\d:\-\s]+)\s*$", re.I)
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")

Span = tuple[time, time | None]  # None closes at midnight (24:00)


@dataclass(frozen=True)
class ServiceHours:
    """`weekly[0]` is Monday's opening spans; `weekly=None` means always open."""
    weekly: tuple[tuple[Span, ...], ...] | None = None
    zone: tzinfo = timezone.utc
    holidays: frozenset[date] = frozenset()

    # -- building it ----------------------------------------------------------------------
    @classmethod
    def parse(cls, spec: str | None, zone: str = "UTC", holidays: str | None = None) -> "ServiceHours":
        """`"mon-fri 09:00-18:00; sat 10:00-12:00 13:00-16:00; sun closed"`: a later part
        overrides an earlier one for its days. Unset or blank = always open."""
        tz = _zone(zone)
        days = frozenset(_holiday(d) for d in (holidays or "").split(",") if d.strip())
        if not spec or not spec.strip():
            return cls(None, tz, days)
        week: list[tuple[Span, ...]] = [()] * 7
        for part in spec.split(";"):
            if not part.strip():
                continue
            match = _SEGMENT.match(part)
            if not match:
                raise ValueError(f"service hours part {part.strip()!r}: write it like 'mon-fri 09:00-18:00'")
            spans = () if match["spans"].lower() == "closed" else tuple(_span(s) for s in match["spans"].split())
            _check_overlap(spans, part)
            for day in _days(match["days"].lower()):
                week[day] = spans
        if not any(week):
            raise ValueError("service hours open on no day at all")
        return cls(tuple(week), tz, days)

    def to_dict(self) -> dict:
        """The form a settings page can store and `from_dict` reads back."""
        return {"timezone": getattr(self.zone, "key", "UTC"), "holidays": sorted(d.isoformat() for d in self.holidays),
                "weekly": None if self.weekly is None else {
                    DAYS[i]: [[o.strftime("%H:%M"), c.strftime("%H:%M") if c else "24:00"] for o, c in spans]
                    for i, spans in enumerate(self.weekly)}}

    @classmethod
    def from_dict(cls, data: dict) -> "ServiceHours":
        weekly = data.get("weekly")
        spec = None if weekly is None else "; ".join(
            f"{day} " + (" ".join(f"{o}-{c}" for o, c in weekly.get(day, [])) or "closed") for day in DAYS)
        return cls.parse(spec, data.get("timezone", "UTC"), ",".join(data.get("holidays", [])))

    @property
    def always_open(self) -> bool:
        return self.weekly is None

    # -- reading it -----------------------------------------------------------------------
    def is_open(self, at: datetime) -> bool:
        return self.next_opening(at) == at

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself while open, else when people are next back."""
        return self.add_service_time(at, 0)

    def add_service_time(self, start: datetime, seconds: float) -> datetime:
        """The moment `seconds` of open time after `start`: closed hours and holidays
        do not count. With 0, the next open moment (`start` itself while open)."""
        if self.weekly is None:
            return start + timedelta(seconds=seconds)
        left = timedelta(seconds=seconds)
        for opens, closes in self._windows(start):
            cursor = max(opens, start)
            if cursor + left < closes or (cursor + left == closes and left):
                return cursor + left
            left -= closes - cursor
        raise ValueError("the service calendar has no opening in the next three years")

    def service_seconds(self, start: datetime, end: datetime) -> float:
        """Open time between two moments: how much of a service-time clock has run."""
        if self.weekly is None:
            return max((end - start).total_seconds(), 0.0)
        total = timedelta()
        for opens, closes in self._windows(start):
            if opens >= end:
                break
            total += min(closes, end) - max(opens, start)
        return max(total.total_seconds(), 0.0)

    def _windows(self, start: datetime):
        """Open spans in UTC that end after `start`, in order."""
        day = start.astimezone(self.zone).date() - timedelta(days=1)  # a span may reach past midnight UTC
        for _ in range(HORIZON_DAYS):
            if day not in self.holidays:
                for opens, closes in self.weekly[day.weekday()]:
                    begin = self._utc(day, opens)
                    finish = self._utc(day + timedelta(days=1), time(0)) if closes is None else self._utc(day, closes)
                    if finish > start:
                        yield begin, finish
            day += timedelta(days=1)

    def _utc(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(timezone.utc)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as 'Asia/Shanghai'") from None


def _holiday(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"holiday {text.strip()!r} is not a date like 2026-10-01") from None


def _days(text: str) -> list[int]:
    found: list[int] = []
    for item in text.split(","):
        first, _, last = item.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"unknown day {item!r}: use {', '.join(DAYS)}")
        a, b = DAYS.index(first), DAYS.index(last or first)
        found += [d % 7 for d in range(a, b + 1 if b >= a else b + 8)]  # sat-mon wraps the week
    return found


def _span(text: str) -> Span:
    match = _SPAN.match(text)
    if not match:
        raise ValueError(f"opening span {text!r}: write it like 09:00-18:00")
    oh, om, ch, cm = (int(g) for g in match.groups())
    if oh > 23 or om > 59 or cm > 59 or ch > 24 or (ch == 24 and cm):
        raise ValueError(f"opening span {text!r} is not a time of day")
    opens, closes = time(oh, om), None if ch == 24 else time(ch, cm)
    if closes is not None and closes <= opens:
        raise ValueError(f"opening span {text!r} closes before it opens (split a night across two days)")
    return opens, closes


def _check_overlap(spans: tuple[Span, ...], part: str) -> None:
    ordered = sorted(spans)
    for (_, first_close), (second_open, _) in zip(ordered, ordered[1:]):
        if first_close is None or first_close > second_open:
            raise ValueError(f"service hours part {part.strip()!r} has overlapping spans")
