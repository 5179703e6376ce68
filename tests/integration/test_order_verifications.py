"""Wrong phone digits per order on a real database: counted across conversations and case,
forgotten after a day, and the order number never stored as itself."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from gateway.storage.database import create_engine, create_session_factory
from gateway.storage.order_verifications import SqlVerificationLog
from gateway.storage.tables import OrderVerificationFailure
from gateway.storage.unit_of_work import UnitOfWork

T0 = datetime(2026, 12, 7, 9, tzinfo=timezone.utc)


async def test_wrong_digits_are_counted_per_order_for_a_day_under_a_keyed_hash(database_url):
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    now = [T0]
    log = SqlVerificationLog(lambda: UnitOfWork(sessions), lambda: now[0], "secret-key")
    try:
        assert await log.recent_failures("A1B2C3") == 0
        await log.failed("A1B2C3")
        await log.failed("a1b2c3 ")
        await log.failed("2023110288")
        assert await log.recent_failures("a1B2c3") == 2 and await log.recent_failures("2023110288") == 1
        now[0] = T0 + timedelta(hours=25)
        assert await log.recent_failures("A1B2C3") == 0
        await log.failed("A1B2C3")  # and the day-old ones of that order are gone
        async with sessions() as s:
            keys = (await s.execute(select(OrderVerificationFailure.order_key))).scalars().all()
        assert len(keys) == 2 and not any("a1b2c3" in k.lower() or "2023110288" in k for k in keys)
        other = SqlVerificationLog(lambda: UnitOfWork(sessions), lambda: now[0], "another-key")
        assert await other.recent_failures("A1B2C3") == 0  # keyed: another install's key finds nothing
    finally:
        await engine.dispose()
