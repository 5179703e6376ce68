"""The service calendar as a JSON document, the form an admin edits and the database keeps:
`ServiceHours.to_dict()` plus which clocks count service time.

Reading one goes through `ServiceHours.parse`, the parser the settings use, so a calendar is
refused for the same reasons whichever way it arrives. Checks of shape come first: a stored
or posted document is anybody's JSON, and a wrong type must read as a ValueError naming the
field, not surface as a TypeError.
"""
from __future__ import annotations

import re
from datetime import datetime, time
from functools import cache
from zoneinfo import available_timezones

from handoff.service_clocks import CLOCK_MODES, ServiceClocks
from handoff.service_hours import DAYS, ServiceHours

CLOCKS = ("first_response", "ordinary_complaint", "major_complaint")
# Bounds that keep a document small: a day needs a few spans, a shop a few years of holidays.
MAX_SPANS_A_DAY = 8
MAX_HOLIDAYS = 400
_TIME = re.compile(r"^[0-9]{1,2}:[0-9]{2}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def document_of(clocks: ServiceClocks) -> dict:
    return {**clocks.hours.to_dict(), "clocks": {name: getattr(clocks, name) for name in CLOCKS}}


def clocks_from_document(document: object) -> ServiceClocks:
    """The calendar a document describes; ValueError naming the first problem."""
    if not isinstance(document, dict):
        raise ValueError("the calendar must be an object")
    unknown = set(document) - {"timezone", "holidays", "weekly", "clocks"}
    if unknown:
        raise ValueError(f"unknown calendar field {sorted(unknown)[0]!r}")
    zone = document.get("timezone", "UTC")
    if not isinstance(zone, str) or zone not in _zones():
        raise ValueError(f"unknown time zone {zone!r}: use an IANA name such as 'Asia/Shanghai'")
    holidays = _holidays(document.get("holidays", []))
    weekly = _weekly(document.get("weekly"))
    hours = ServiceHours.from_dict({"timezone": zone, "holidays": holidays, "weekly": weekly})
    _check_reopens(hours)
    return ServiceClocks(hours, **_clocks(document.get("clocks", {})))


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())  # reads the zone files from disk: once is enough


def _holidays(holidays: object) -> list[str]:
    if not isinstance(holidays, list) or not all(isinstance(d, str) for d in holidays):
        raise ValueError("holidays must be a list of dates like 2026-10-01")
    if len(holidays) > MAX_HOLIDAYS:
        raise ValueError(f"at most {MAX_HOLIDAYS} holidays")
    for day in holidays:
        if not _DATE.match(day):
            raise ValueError(f"holiday {day!r} is not a date like 2026-10-01")
    return holidays


def _weekly(weekly: object) -> dict | None:
    if weekly is None:
        return None  # always open
    if not isinstance(weekly, dict):
        raise ValueError("weekly must map days (mon … sun) to lists of opening spans, or be null for always open")
    for day, spans in weekly.items():
        if day not in DAYS:
            raise ValueError(f"unknown day {day!r}: use {', '.join(DAYS)}")
        if not isinstance(spans, list) or len(spans) > MAX_SPANS_A_DAY:
            raise ValueError(f"{day}: a list of at most {MAX_SPANS_A_DAY} spans like [\"09:00\", \"18:00\"]")
        for span in spans:
            if (not isinstance(span, list) or len(span) != 2
                    or not all(isinstance(t, str) and _TIME.match(t) for t in span)):
                raise ValueError(f"{day}: opening span {span!r} must be two times like [\"09:00\", \"18:00\"]")
    return weekly


def _clocks(clocks: object) -> dict:
    if not isinstance(clocks, dict) or set(clocks) - set(CLOCKS):
        raise ValueError(f"clocks may set {', '.join(CLOCKS)}")
    for name, mode in clocks.items():
        if mode not in CLOCK_MODES:
            raise ValueError(f"clock {name}: {mode!r} is not one of {', '.join(CLOCK_MODES)}")
    return clocks


def _check_reopens(hours: ServiceHours) -> None:
    """Holidays that close the shop for years would leave a deadline no time to fall in. A
    closure without a holiday ends within a week (some day has spans); one with holidays
    ends where the next opening after its first holiday is, so checking from every holiday
    finds the longest."""
    for day in sorted(hours.holidays):
        hours.next_opening(datetime.combine(day, time(0), tzinfo=hours.zone))  # ValueError names it


def describe_change(before: dict, after: dict) -> str:
    """What a save changed, in the words of the page, for the audit log."""
    parts = []
    if before.get("timezone") != after.get("timezone"):
        parts.append(f"time zone {before.get('timezone')} → {after.get('timezone')}")
    old, new = set(before.get("holidays") or []), set(after.get("holidays") or [])
    if old != new:
        parts.append("holidays " + " ".join([f"+{d}" for d in sorted(new - old)] + [f"−{d}" for d in sorted(old - new)]))
    weeks = before.get("weekly"), after.get("weekly")
    if weeks[0] != weeks[1]:
        if None in weeks:
            parts.append("always open → weekly hours" if weeks[0] is None else "weekly hours → always open")
        else:
            parts += [f"{day} {_spans(weeks[0].get(day))} → {_spans(weeks[1].get(day))}"
                      for day in DAYS if weeks[0].get(day) != weeks[1].get(day)]
    for name in CLOCKS:
        was, now = (before.get("clocks") or {}).get(name), (after.get("clocks") or {}).get(name)
        if was != now:
            parts.append(f"{name.replace('_', ' ')} clock {was} → {now}")
    return "; ".join(parts) or "no change"


def _spans(spans: list | None) -> str:
    return " ".join(f"{o}-{c}" for o, c in spans) if spans else "closed"
