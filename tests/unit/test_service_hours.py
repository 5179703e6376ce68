"""The service calendar: opening hours, holidays, time zones, daylight saving."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from handoff.service_clocks import ServiceClocks
from handoff.service_hours import ServiceHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
SLA = 600


def local(*args, zone=SHANGHAI) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(timezone.utc)


@pytest.fixture
def shop() -> ServiceHours:
    return ServiceHours.parse("mon-sun 09:00-22:00", "Asia/Shanghai", "2026-10-01")


def test_a_hand_off_at_night_is_due_ten_minutes_after_opening(shop):
    assert shop.add_service_time(local(2026, 12, 1, 23, 0), SLA) == local(2026, 12, 2, 9, 10)


def test_a_hand_off_just_before_closing_carries_the_rest_into_the_morning(shop):
    assert shop.add_service_time(local(2026, 12, 1, 21, 55), SLA) == local(2026, 12, 2, 9, 5)


def test_inside_hours_the_clock_is_plain_wall_time(shop):
    assert shop.add_service_time(local(2026, 12, 1, 14, 0), SLA) == local(2026, 12, 1, 14, 10)
    assert shop.add_service_time(local(2026, 12, 1, 21, 50), SLA) == local(2026, 12, 1, 22, 0)


def test_a_holiday_is_skipped(shop):
    assert shop.add_service_time(local(2026, 9, 30, 23, 0), SLA) == local(2026, 10, 2, 9, 10)
    assert not shop.is_open(local(2026, 10, 1, 12, 0))
    assert shop.next_opening(local(2026, 10, 1, 12, 0)) == local(2026, 10, 2, 9, 0)


def test_opening_and_closing_moments(shop):
    assert shop.is_open(local(2026, 12, 1, 9, 0)) and not shop.is_open(local(2026, 12, 1, 22, 0))
    assert shop.next_opening(local(2026, 12, 1, 8, 59)) == local(2026, 12, 1, 9, 0)
    assert shop.next_opening(local(2026, 12, 1, 15, 0)) == local(2026, 12, 1, 15, 0)


def test_a_long_clock_spans_several_days_and_closed_weekends():
    office = ServiceHours.parse("mon-fri 09:00-12:00 13:00-18:00; sat-sun closed", "Asia/Shanghai")
    friday_five = local(2026, 12, 4, 17, 0)  # a Friday
    # 1 h on Friday, 8 h on Monday, then 1 h on Tuesday (lunch not counted)
    assert office.add_service_time(friday_five, 10 * 3600) == local(2026, 12, 8, 10, 0)
    assert office.service_seconds(friday_five, local(2026, 12, 8, 10, 0)) == 10 * 3600


def test_a_later_part_overrides_earlier_days_and_24_00_closes_at_midnight():
    hours = ServiceHours.parse("mon-sun 09:00-22:00; sat 10:00-24:00", "UTC")
    saturday = datetime(2026, 12, 5, 23, 0, tzinfo=timezone.utc)
    assert hours.is_open(saturday)
    assert hours.add_service_time(saturday, 3600) == datetime(2026, 12, 6, 0, 0, tzinfo=timezone.utc)
    assert hours.add_service_time(saturday, 2 * 3600) == datetime(2026, 12, 6, 10, 0, tzinfo=timezone.utc)


def test_daylight_saving_neither_adds_nor_loses_service_time():
    berlin = ServiceHours.parse("mon-sun 00:00-24:00; sun 01:00-05:00", "Europe/Berlin")
    # 29 March 2026, clocks jump from 02:00 to 03:00: 01:00-05:00 local holds three real hours
    start = local(2026, 3, 29, 1, 0, zone=ZoneInfo("Europe/Berlin"))
    assert berlin.service_seconds(start, local(2026, 3, 29, 5, 0, zone=ZoneInfo("Europe/Berlin"))) == 3 * 3600
    assert berlin.add_service_time(start, 2 * 3600) == local(2026, 3, 29, 4, 0, zone=ZoneInfo("Europe/Berlin"))


def test_unset_hours_are_always_open():
    always = ServiceHours.parse(None)
    now = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
    assert always.always_open and always.is_open(now)
    assert always.add_service_time(now, SLA) == now + timedelta(seconds=SLA)


def test_the_stored_form_reads_back_the_same_calendar(shop):
    again = ServiceHours.from_dict(shop.to_dict())
    assert again == shop
    assert shop.to_dict()["weekly"]["mon"] == [["09:00", "22:00"]]


@pytest.mark.parametrize("spec,zone,holidays,complaint", [
    ("mon-sun 9-22", "UTC", "", "write it like"),
    ("mon-sun 22:00-09:00", "UTC", "", "closes before it opens"),
    ("funday 09:00-10:00", "UTC", "", "unknown day"),
    ("mon 09:00-12:00 11:00-13:00", "UTC", "", "overlapping"),
    ("mon-sun closed", "UTC", "", "no day at all"),
    ("mon-sun 09:00-22:00", "Mars/Olympus", "", "unknown time zone"),
    ("mon-sun 09:00-22:00", "UTC", "2026-13-01", "is not a date"),
])
def test_mistakes_are_named(spec, zone, holidays, complaint):
    with pytest.raises(ValueError, match=complaint):
        ServiceHours.parse(spec, zone, holidays)


def test_clock_policy_first_response_in_service_time_major_complaints_on_the_wall(shop):
    clocks = ServiceClocks(shop)
    night = local(2026, 12, 1, 23, 0)
    due = clocks.first_response_due(night, SLA)
    assert due == local(2026, 12, 2, 9, 10)
    # the warnings fall inside the morning's ten minutes, not in the night
    assert clocks.warning_due(night, due, 0.5) == local(2026, 12, 2, 9, 5)
    assert dict(clocks.complaint_clocks("major", night))["supervisor"] == night + timedelta(hours=1)
    assert dict(clocks.complaint_clocks("ordinary", night))["contact"] == local(2026, 12, 2, 11, 0)
    wall = ServiceClocks(shop, first_response="wall", ordinary_complaint="wall")
    assert wall.first_response_due(night, SLA) == night + timedelta(seconds=SLA)
    assert dict(wall.complaint_clocks("ordinary", night))["contact"] == night + timedelta(hours=2)
