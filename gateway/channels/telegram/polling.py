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


class Poller:
    def __init__(self, bot: Bot, updates: UpdateHandler, timeout_seconds: int = 25):
        self._bot = bot
        self._updates = updates
        self._timeout = timeout_seconds

    async def run(self) -> None:
        offset = await self._until_done(self._updates.resume_offset, "reading the last handled update")
        # Telegram refuses getUpdates while a webhook is set, e.g. left by an earlier setup.
        await self._until_done(lambda: self._bot(DeleteWebhook(drop_pending_updates=False)), "removing a webhook")
        log.info("telegram polling started", extra={"offset": offset})
        backoff = Backoff()
        while True:
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
