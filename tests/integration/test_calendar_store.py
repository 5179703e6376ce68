"""The saved service calendar on every backend: the settings' calendar until a save, a save
that is versioned and audited in one transaction, and processes that follow each other."""
import asyncio
from datetime import datetime, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from gateway import audit
from gateway.storage.database import create_engine, create_session_factory
from gateway.storage.tables import AuditRecord, Base, ServiceCalendar
from gateway.storage.unit_of_work import UnitOfWork
from handoff.calendar_store import CalendarStore, StaleCalendar
from handoff.service_clocks import ServiceClocks
from handoff.service_hours import ServiceHours

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc)
SETTINGS = ServiceClocks(ServiceHours.parse("mon-fri 09:00-18:00", "Asia/Shanghai"))
EDITED = {"timezone": "Asia/Shanghai", "holidays": ["2026-12-25"],
          "weekly": {"mon": [["09:00", "22:00"]], "sat": [["10:00", "12:00"], ["13:00", "16:00"]]},
          "clocks": {"major_complaint": "service"}}


class Sites:
    """Two stores on one database, as two processes would have."""

    def __init__(self, url):
        self.engine = create_engine(url)
        self.sessions = create_session_factory(self.engine)
        self.a = CalendarStore(self.uow, lambda: NOW, SETTINGS)
        self.b = CalendarStore(self.uow, lambda: NOW, SETTINGS)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, None)

    async def audit_rows(self):
        async with self.sessions() as s:
            return list((await s.execute(select(AuditRecord).where(AuditRecord.object_type == "service_hours")
                                         .order_by(AuditRecord.id))).scalars())


@pytest.fixture
async def sites(database_url):
    s = Sites(database_url)
    yield s
    await s.engine.dispose()


async def test_the_settings_calendar_is_in_force_until_a_save(sites):
    calendar = await sites.a.read()
    assert (calendar.source, calendar.version, calendar.updated_by) == ("settings", 0, None)
    assert sites.a.current() is SETTINGS
    assert calendar.document["weekly"]["sat"] == [] and calendar.document["clocks"]["major_complaint"] == "wall"


async def test_a_save_is_versioned_audited_and_in_force_at_once(sites):
    saved = await sites.a.save("admin:ada", EDITED, 0)
    assert (saved.source, saved.version, saved.updated_by, saved.updated_at) == ("saved", 1, "admin:ada", NOW)
    assert sites.a.current().hours.to_dict()["weekly"]["sat"] == [["10:00", "12:00"], ["13:00", "16:00"]]
    assert sites.a.current().major_complaint == "service"
    [row] = await sites.audit_rows()
    assert (row.actor, row.action, row.object_id, row.at) == ("admin:ada", "updated", "calendar", NOW)
    assert row.before["version"] == 0 and row.after["version"] == 1
    assert row.after["holidays"] == ["2026-12-25"] and row.before["holidays"] == []
    assert row.summary.startswith("version 1: holidays +2026-12-25; mon 09:00-18:00 → 09:00-22:00; tue 09:00-18:00 → closed")
    assert "major complaint clock wall → service" in row.summary
    async with sites.uow() as uow:
        [shown] = await audit.read(uow, audit.AuditQuery(type="service_hours"))
    assert shown["summary"] == row.summary

    again = await sites.a.save("admin:ada", {**EDITED, "holidays": []}, 1)
    assert again.version == 2
    assert (await sites.audit_rows())[-1].summary == "version 2: holidays −2026-12-25"


async def test_a_stale_version_changes_nothing(sites):
    await sites.a.save("admin:ada", EDITED, 0)
    for stale in (0, 2):
        with pytest.raises(StaleCalendar):
            await sites.b.save("admin:bob", {**EDITED, "timezone": "UTC"}, stale)
    async with sites.sessions() as s:
        [row] = (await s.execute(select(ServiceCalendar))).scalars().all()
    assert (row.version, row.updated_by, row.calendar["timezone"]) == (1, "admin:ada", "Asia/Shanghai")
    assert len(await sites.audit_rows()) == 1


async def test_two_writers_of_one_version_one_wins(sites):
    results = await asyncio.gather(sites.a.save("admin:ada", EDITED, 0),
                                   sites.b.save("admin:bob", {**EDITED, "timezone": "UTC"}, 0),
                                   return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Calendar", "StaleCalendar"]
    assert len(await sites.audit_rows()) == 1


async def test_a_replace_over_a_version_already_replaced_changes_nothing(sites):
    """The race the store's own check cannot see: both writers read version 1 before either wrote."""
    await sites.a.save("admin:ada", EDITED, 0)
    async with sites.uow() as first, sites.uow() as second:
        assert (await first.calendar.get()).version == (await second.calendar.get()).version == 1
        assert await first.calendar.replace(1, {"timezone": "UTC"}, "admin:ada", NOW)
        await first.commit()
        assert not await second.calendar.replace(1, {"timezone": "Asia/Tokyo"}, "admin:bob", NOW)
    async with sites.uow() as uow:
        row = await uow.calendar.get()
    assert (row.version, row.calendar, row.updated_by) == (2, {"timezone": "UTC"}, "admin:ada")


async def test_a_refused_calendar_writes_nothing(sites):
    with pytest.raises(ValueError, match="unknown time zone"):
        await sites.a.save("admin:ada", {**EDITED, "timezone": "Mars/Olympus"}, 0)
    assert await sites.audit_rows() == [] and (await sites.a.read()).version == 0


async def test_another_process_follows_a_save_by_its_version(sites):
    await sites.b.read()
    assert not await sites.b.refresh_if_changed()
    await sites.a.save("admin:ada", EDITED, 0)
    assert sites.b.current() is SETTINGS  # not yet looked
    assert await sites.b.refresh_if_changed()
    assert sites.b.current().hours.to_dict() == sites.a.current().hours.to_dict()
    assert (await sites.b.read()).version == 1


async def test_the_schema_the_migrations_build_is_the_models(sites):
    def differences(connection):
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)

    async with sites.engine.connect() as conn:
        found = await conn.run_sync(differences)
    assert found == []
