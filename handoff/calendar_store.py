"""The service calendar in force: the one an admin saved, else the one in the settings.

`current()` answers from memory, so every deadline and notice can ask it without a query.
A save applies in this process at once; other processes follow when they next call
`refresh_if_changed` (bootstrap does every few seconds), which reads one number. Deadlines
already stored stay as they are: they were stamped from the calendar in force when their
hand-off opened.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from gateway import audit
from gateway.clock import Clock
from handoff.calendar_document import clocks_from_document, describe_change, document_of
from handoff.ports import CalendarUnitOfWork, SavedCalendar
from handoff.service_clocks import ServiceClocks

log = logging.getLogger(__name__)

SETTINGS, SAVED = "settings", "saved"


@dataclass(frozen=True)
class Calendar:
    clocks: ServiceClocks
    version: int  # 0: never saved, the settings' calendar
    source: str
    updated_by: str | None = None
    updated_at: datetime | None = None

    @property
    def document(self) -> dict:
        return document_of(self.clocks)


class StaleCalendar(Exception):
    """The calendar was saved by someone else since the version the writer read."""


class CalendarStore:
    def __init__(self, uow: Callable[[], CalendarUnitOfWork], clock: Clock, default: ServiceClocks):
        self._uow = uow
        self._clock = clock
        self._default = Calendar(default, 0, SETTINGS)
        self._in_force = self._default
        self._seen = 0  # the last version read, even one that could not be adopted

    def current(self) -> ServiceClocks:
        return self._in_force.clocks

    async def read(self) -> Calendar:
        """The saved row as it is now (and this process follows it)."""
        async with self._uow() as uow:
            row = await uow.calendar.get()
        if row is None:
            self._in_force, self._seen = self._default, 0
        elif row.version > self._seen:  # versions only grow: an older read must not win
            self._seen = row.version
            self._adopt(row)
        return self._in_force

    async def refresh_if_changed(self) -> bool:
        async with self._uow() as uow:
            version = await uow.calendar.version()
        if version == self._seen:
            return False
        await self.read()
        return True

    async def save(self, actor: str, document: dict, version: int) -> Calendar:
        """Replaces the calendar if `version` is still the one in force; ValueError for a
        calendar the parser refuses, StaleCalendar when someone saved in between."""
        clocks = clocks_from_document(document)
        after = document_of(clocks)
        now = self._clock()
        async with self._uow() as uow:
            row = await uow.calendar.get()
            before = row.calendar if row is not None else self._default.document
            if (row.version if row is not None else 0) != version or \
                    not await uow.calendar.replace(version, after, actor, now):
                raise StaleCalendar(f"the calendar was saved by someone else since version {version}; reload it")
            old, new = audit.changed(before, after)
            audit.record(uow, at=now, actor=actor, action="updated", object_type="service_hours",
                         object_id="calendar", before={"version": version, **old},
                         after={"version": version + 1, **new},
                         summary=f"version {version + 1}: {describe_change(before, after)}"[:500])
            await uow.commit()
        saved = Calendar(clocks, version + 1, SAVED, actor, now)
        if saved.version > self._seen:  # a watcher may already have read a later one
            self._in_force, self._seen = saved, saved.version
        return saved

    def _adopt(self, row: SavedCalendar) -> None:
        try:
            clocks = clocks_from_document(row.calendar)
        except ValueError:
            # Saved once as valid; a host without that time zone any more must not stop the desk.
            log.exception("the saved service calendar no longer reads; keeping the one in force")
            return
        self._in_force = Calendar(clocks, row.version, SAVED, row.updated_by, row.updated_at)
