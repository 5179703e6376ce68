"""Each Telegram update handled once, and stored before Telegram hears it arrived.

An update is recorded as handled only after its handlers have stored what it carried, so
Telegram (which redelivers anything not yet confirmed) and this table between them lose
nothing and double nothing. A crash between storing and recording redelivers the update;
the message itself is then found by its Telegram id and not stored twice.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from sqlalchemy.exc import InterfaceError, OperationalError

from gateway.clock import Clock
from gateway.conversations.model import ConcurrentUpdate
from gateway.conversations.ports import StoreConflict, UpdateLogUnitOfWorkFactory, ack_path

log = logging.getLogger(__name__)

# Failures that pass: the update is handled again later rather than given up on.
TRANSIENT = (OperationalError, InterfaceError, ConcurrentUpdate, OSError, TimeoutError)
# Telegram keeps an unconfirmed update for a day; ids older than that cannot come back.
REMEMBER = timedelta(days=2)


class UpdateHandler:
    def __init__(self, uow_factory: UpdateLogUnitOfWorkFactory, dispatcher: Dispatcher, bot: Bot, clock: Clock):
        self._uow = uow_factory
        self._dispatcher = dispatcher
        self._bot = bot
        self._clock = clock

    async def handle(self, update: Update) -> bool:
        """False for an update handled before. Raises a `TRANSIENT` error when it must be
        delivered again; any other failure is logged, recorded with the update, and skipped,
        so one malformed update cannot stop every customer's messages behind it."""
        # Telegram waits on this as a web-chat customer waits on an ack: its writes go first.
        waiting = ack_path.set(True)
        try:
            return await self._handle(update)
        finally:
            ack_path.reset(waiting)

    async def _handle(self, update: Update) -> bool:
        async with self._uow() as uow:
            if await uow.channels.update_handled(update.update_id):
                log.info("repeated telegram update ignored", extra={"update_id": update.update_id})
                return False
        error = None
        try:
            await self._dispatcher.feed_update(self._bot, update)
        except TRANSIENT:
            raise
        except Exception as exc:
            log.exception("telegram update could not be handled; recorded and skipped",
                          extra={"update_id": update.update_id})
            error = repr(exc)
        async with self._uow() as uow:
            uow.channels.mark_update(update.update_id, update.event_type, self._clock(), error)
            try:
                await uow.commit()
            except StoreConflict:
                pass  # the same update, delivered twice at once, was recorded by the other
        return True

    async def resume_offset(self) -> int | None:
        """Where polling picks up after a restart: just after the newest handled update."""
        async with self._uow() as uow:
            await uow.channels.forget_updates_before(self._clock() - REMEMBER)
            newest = await uow.channels.newest_update()
            await uow.commit()
        return newest + 1 if newest is not None else None
