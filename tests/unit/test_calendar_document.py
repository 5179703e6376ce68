"""The calendar document an admin edits: read by the settings' parser, refused with a message
naming the problem, and described change by change for the audit log."""
from datetime import date, timedelta

import pytest

from handoff.calendar_document import MAX_HOLIDAYS, clocks_from_document, describe_change, document_of
from handoff.service_clocks import ServiceClocks
from handoff.service_hours import ServiceHours

DOCUMENT = {"timezone": "Asia/Shanghai", "holidays": ["2026-12-25"],
            "weekly": {"mon": [["09:00", "12:00"], ["13:00", "24:00"]], "sat": [["10:00", "16:00"]]},
            "clocks": {"first_response": "wall"}}


def test_a_document_reads_as_the_settings_would_and_writes_back_whole():
    clocks = clocks_from_document(DOCUMENT)
    settings = ServiceHours.parse("mon 09:00-12:00 13:00-24:00; sat 10:00-16:00", "Asia/Shanghai", "2026-12-25")
    assert clocks.hours == settings
    assert (clocks.first_response, clocks.ordinary_complaint, clocks.major_complaint) == ("wall", "service", "wall")
    written = document_of(clocks)
    assert written["weekly"]["tue"] == [] and written["weekly"]["mon"][1] == ["13:00", "24:00"]
    assert clocks_from_document(written) == clocks
    assert document_of(ServiceClocks())["weekly"] is None  # always open
    assert clocks_from_document({"timezone": "UTC", "weekly": None}).hours.always_open


@pytest.mark.parametrize("change, message", [
    ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
    ({"timezone": 8}, "unknown time zone 8"),
    ({"holidays": "2026-12-25"}, "holidays must be a list"),
    ({"holidays": ["25/12/2026"]}, "holiday '25/12/2026' is not a date"),
    ({"holidays": ["2026-02-30"]}, "holiday '2026-02-30' is not a date"),
    ({"holidays": ["2026-01-01"] * (MAX_HOLIDAYS + 1)}, f"at most {MAX_HOLIDAYS} holidays"),
    ({"weekly": {"monday": [["09:00", "18:00"]]}}, "unknown day 'monday'"),
    ({"weekly": {"mon": [["09:00"]]}}, "mon: opening span ['09:00'] must be two times"),
    ({"weekly": {"mon": [["09:00 10:00", "18:00"]]}}, "must be two times"),
    ({"weekly": {"mon": [["18:00", "09:00"]]}}, "closes before it opens"),
    ({"weekly": {"mon": [["09:00", "25:00"]]}}, "is not a time of day"),
    ({"weekly": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "overlapping spans"),
    ({"weekly": {"mon": []}}, "open on no day at all"),
    ({"weekly": [["09:00", "18:00"]]}, "weekly must map days"),
    ({"clocks": {"first_response": "sometimes"}}, "'sometimes' is not one of service, wall"),
    ({"clocks": {"lunch": "wall"}}, "clocks may set"),
    ({"colour": "green"}, "unknown calendar field 'colour'"),
])
def test_a_wrong_document_is_refused_naming_the_problem(change, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        clocks_from_document({**DOCUMENT, **change})


def test_holidays_that_close_the_shop_for_years_are_refused():
    """Open on Mondays only, with every Monday of four years a holiday: no deadline could fall."""
    first = date(2027, 1, 4)
    mondays = [(first + timedelta(weeks=n)).isoformat() for n in range(4 * 53)]
    with pytest.raises(ValueError, match="no opening in the next three years"):
        clocks_from_document({"timezone": "UTC", "holidays": mondays, "weekly": {"mon": [["09:00", "18:00"]]}})
    clocks_from_document({"timezone": "UTC", "holidays": mondays[:100], "weekly": {"mon": [["09:00", "18:00"]]}})


def test_a_change_is_described_in_the_words_of_the_page():
    before = document_of(clocks_from_document(DOCUMENT))
    after = {**before, "timezone": "UTC", "holidays": ["2027-01-01"],
             "weekly": {**before["weekly"], "mon": [], "sun": [["10:00", "12:00"]]},
             "clocks": {**before["clocks"], "major_complaint": "service"}}
    assert describe_change(before, after) == (
        "time zone Asia/Shanghai → UTC; holidays +2027-01-01 −2026-12-25; mon 09:00-12:00 13:00-24:00 → closed; "
        "sun closed → 10:00-12:00; major complaint clock wall → service")
    assert describe_change(before, {**before, "weekly": None}) == "weekly hours → always open"
    assert describe_change(before, before) == "no change"
