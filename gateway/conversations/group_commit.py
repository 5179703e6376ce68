"""Group commit: customer messages that arrive while a commit is under way are stored together
in the next one, so a burst costs a transaction per batch, not per message. The outbox worker
marks work done the same way.

A batch is all or nothing. When one item makes it fail (two deliveries of one message racing)
the items are written again one at a time, each with its own retries, so one bad item costs
the others a moment and never their ack; when the database fails, every item is told at once.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
from typing import Awaitable, Callable, Generic, TypeVar

from gateway.conversations.ports import ack_path

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")

# Bounds a transaction's length, and so how long the bot waits for its turn at the database.
MAX_BATCH = 200


class GroupCommit(Generic[Item, Result]):
    def __init__(self, write_batch: Callable[[list[Item]], Awaitable[list[Result]]],
                 write_one: Callable[[Item], Awaitable[Result]], max_batch: int = MAX_BATCH, *, urgent: bool = True,
                 conflicts: tuple[type[Exception], ...] = ()):
        """`urgent`: a customer waits on these writes (an ack), so they go ahead of the rest.
        `conflicts`: errors one item can cause for its batch (a race it lost), after which the
        items are written one at a time; any other error (the database is down or locked) is
        every item's, and each is told at once rather than after a timeout apiece."""
        self._urgent = urgent
        self._conflicts = conflicts
        self._write_batch = write_batch
        self._write_one = write_one
        self._max_batch = max_batch
        self._waiting: list[tuple[Item, asyncio.Future]] = []
        self._drainer: asyncio.Task | None = None
        self.batches = 0  # transactions so far, for metrics and the benchmark
        self.items = 0

    async def submit(self, item: Item) -> Result:
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._drainer is None:
            # A context of its own: not the first sender's, whose variables it would carry.
            self._drainer = asyncio.get_running_loop().create_task(
                self._drain(), name="group-commit", context=contextvars.Context())
        return await future

    async def _drain(self) -> None:
        ack_path.set(self._urgent)  # its units of work go first, or not
        batch: list[tuple[Item, asyncio.Future]] = []
        try:
            # One tick lets items already on their way join the first batch; while a batch
            # commits, the next fills up behind it.
            await asyncio.sleep(0)
            while self._waiting:
                batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch:]
                live = [(item, f) for item, f in batch if not f.done()]  # a sender gone meanwhile
                if live:
                    await self._write(live)
        finally:
            self._drainer = None
            for _, future in batch:  # cancelled mid-write (the gateway stopping): nobody waits forever
                if not future.done():
                    future.set_exception(ConnectionError("stopped before the write finished; send again"))
            if self._waiting:  # arrived while the last write was cancelled
                self._drainer = asyncio.get_running_loop().create_task(
                    self._drain(), name="group-commit", context=contextvars.Context())

    async def _write(self, batch: list[tuple[Item, asyncio.Future]]) -> None:
        if len(batch) > 1:
            try:
                results = await self._write_batch([item for item, _ in batch])
            except self._conflicts as exc:
                log.info("a group commit lost a race; writing its items one at a time",
                         extra={"items": len(batch), "error": type(exc).__name__})
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                return
            else:
                self._count(len(batch))
                for (_, future), result in zip(batch, results):
                    if not future.done():
                        future.set_result(result)
                return
        for item, future in batch:
            try:
                result = await self._write_one(item)
            except Exception as exc:
                if not future.done():
                    future.set_exception(exc)
            else:
                self._count(1)
                if not future.done():
                    future.set_result(result)

    def _count(self, items: int) -> None:
        self.batches += 1
        self.items += items
