"""Which clocks count service time and which count the wall, the way SLA calendars do.

The first-response clock counts service time by default: a hand-off at night is due
once people are back. A major complaint counts the wall by default: safety and money
do not wait for the morning. Every due time is computed here once and stored.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from handoff.policy import COMPLAINT_CLOCKS
from handoff.service_hours import ServiceHours

CLOCK_MODES = ("service", "wall")


@dataclass(frozen=True)
class ServiceClocks:
    hours: ServiceHours = field(default_factory=ServiceHours)
    first_response: str = "service"
    ordinary_complaint: str = "service"
    major_complaint: str = "wall"

    def first_response_due(self, queued_at: datetime, sla_seconds: int) -> datetime:
        return self._add(self.first_response, queued_at, sla_seconds)

    def warning_due(self, queued_at: datetime, due: datetime, mark: float) -> datetime:
        """A share of the clock's own time, so no warning fires in the night before a
        deadline that falls in the morning."""
        if self.first_response == "wall" or self.hours.always_open:
            return queued_at + (due - queued_at) * mark
        return self.hours.add_service_time(queued_at, self.hours.service_seconds(queued_at, due) * mark)

    def complaint_clocks(self, severity: str, opened_at: datetime) -> list[tuple[str, datetime]]:
        mode = self.major_complaint if severity == "major" else self.ordinary_complaint
        return [(kind, self._add(mode, opened_at, delta.total_seconds())) for kind, delta in COMPLAINT_CLOCKS[severity]]

    def _add(self, mode: str, start: datetime, seconds: float) -> datetime:
        return self.hours.add_service_time(start, seconds) if mode == "service" else \
            ServiceHours().add_service_time(start, seconds)


# The calendar in force right now (see calendar_store.py): asked at each computation, not
# held, so an admin's change applies to the next hand-off. `ServiceClocks` itself is one
# that is always open.
CalendarSource = Callable[[], ServiceClocks]
