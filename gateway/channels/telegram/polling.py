"""Long polling, confirming each update to Telegram only once it is stored.

aiogram's own polling confirms a batch as soon as it is read and handles it in tasks, so a
crash loses what was in flight; here the next `getUpdates` offset moves past an update
only after `UpdateHandler` returned for it, and a restart begins after the newest one
recorded as handled.
"""
from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.methods import DeleteWebhook, GetUpdates

from gateway.channels.telegram.updates import TRANSIENT, UpdateHandler
from gateway.leasing import LeaseKeeper

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
LONGEST_PAUSE = 30.0


class Backoff:
    def __init__(self, first: float = 0.5, longest: float = LONGEST_PAUSE):
        self._first, self._longest, self._next = first, longest, first

    def reset(self) -> None:
        self._next = self._first

    async def pause(self) -> None:
        await asyncio.sleep(self._next)
        self._next = min(self._next * 2, self._longest)


LEASE = "telegram:polling"


class Poller:
    def __init__(self, bot: Bot, updates: UpdateHandler, timeout_seconds: int = 25,
                 leases: LeaseKeeper | None = None):
        self._bot = bot
        self._updates = updates
        self._timeout = timeout_seconds
        self._leases = leases  # several processes: only the lease holder polls (Telegram allows one)

    async def run(self) -> None:
        while True:
            if self._leases is None:
                await self._poll()
                continue
            while not await self._until_done(lambda: self._leases.take(LEASE), "taking the polling lease"):
                await asyncio.sleep(self._leases.hold_seconds / 3)
            try:
                await self._poll()
            finally:  # on a clean stop, another process need not wait for the lease to run out
                try:
                    await self._leases.release(LEASE)
                except Exception:
                    log.info("could not release the polling lease; it runs out by itself")

    async def _still_polling(self) -> bool:
        if self._leases is None:
            return True
        try:
            if await self._leases.take(LEASE):
                return True
        except TRANSIENT:
            pass
        log.warning("telegram polling lease lost; another process polls now")
        return False

    async def _poll(self) -> None:
        """Until the lease is lost: from just past the newest handled update, which another
        process may have moved on while it held the lease."""
        offset = await self._until_done(self._updates.resume_offset, "reading the last handled update")
        # Telegram refuses getUpdates while a webhook is set, e.g. left by an earlier setup.
        await self._until_done(lambda: self._bot(DeleteWebhook(drop_pending_updates=False)), "removing a webhook")
        log.info("telegram polling started", extra={"offset": offset})
        backoff = Backoff()
        while await self._still_polling():
            try:
                batch = await self._bot(GetUpdates(offset=offset, timeout=self._timeout,
                                                   allowed_updates=ALLOWED_UPDATES),
                                        request_timeout=self._timeout + 10)
            except TelegramRetryAfter as exc:
                await asyncio.sleep(exc.retry_after)
                continue
            except TelegramAPIError as exc:
                log.warning("telegram polling failed; trying again", extra={"error": str(exc)})
                await backoff.pause()
                continue
            backoff.reset()
            for update in batch:
                await self._until_done(lambda: self._updates.handle(update), "storing a telegram update")
                offset = update.update_id + 1

    async def _until_done(self, step, what: str):
        """Storage being down holds polling here, so nothing after this update is confirmed."""
        backoff = Backoff()
        while True:
            try:
                return await step()
            except (*TRANSIENT, TelegramAPIError) as exc:
                log.warning(f"{what} failed; trying again", extra={"error": repr(exc)})
                await backoff.pause()
