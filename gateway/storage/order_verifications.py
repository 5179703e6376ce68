"""Wrong phone digits per order, kept a day, across conversations: bot/order_status.py's
VerificationLog over the database, so every process and every conversation counts the same."""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from sqlalchemy import delete, func, select

from gateway.clock import Clock
from gateway.conversations.ports import only_reading
from gateway.storage.tables import OrderVerificationFailure as Failure
from gateway.storage.unit_of_work import UnitOfWorkFactory

WINDOW = timedelta(days=1)


class SqlVerificationLog:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, secret: str, window: timedelta = WINDOW):
        self._uow = uow
        self._clock = clock
        self._secret = secret.encode()
        self._window = window

    def _key(self, order_id: str) -> str:
        # Keyed: order numbers are few enough that a plain hash could be reversed by trying them.
        # Case-folded: the shop's ids match whatever case was typed.
        return hmac.new(self._secret, order_id.strip().casefold().encode(), hashlib.sha256).hexdigest()

    async def recent_failures(self, order_id: str) -> int:
        since = self._clock() - self._window
        with only_reading():
            async with self._uow() as uow:
                return (await uow.session.execute(select(func.count()).select_from(Failure).where(
                    Failure.order_key == self._key(order_id), Failure.failed_at >= since))).scalar_one()

    async def failed(self, order_id: str) -> None:
        now, key = self._clock(), self._key(order_id)
        async with self._uow() as uow:
            # This order's tries older than the window tell nothing any more.
            await uow.session.execute(delete(Failure).where(Failure.order_key == key,
                                                            Failure.failed_at < now - self._window))
            uow.session.add(Failure(order_key=key, failed_at=now))
            await uow.commit()
