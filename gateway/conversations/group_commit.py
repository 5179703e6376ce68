"""Group commit: customer messages that arrive while a commit is under way are stored together
in the next one, so a burst costs a transaction per batch, not per message.

A batch is all or nothing; when one fails (two deliveries of one message racing, a database
error) its messages are stored again one at a time, each with its own retries, so one bad
message costs the others a moment and never their ack.
"""
from __future__ import annotations

import asyncio
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
                 write_one: Callable[[Item], Awaitable[Result]], max_batch: int = MAX_BATCH):
        self._write_batch = write_batch
        self._write_one = write_one
        self._max_batch = max_batch
        self._waiting: list[tuple[Item, asyncio.Future]] = []
        self._running = False
        self.batches = 0  # transactions so far, for metrics and the benchmark
        self.items = 0

    async def submit(self, item: Item) -> Result:
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if not self._running:
            self._running = True
            asyncio.get_running_loop().create_task(self._drain(), name="group-commit")
        return await future

    async def _drain(self) -> None:
        ack_path.set(True)  # this task's own context: its units of work go first
        try:
            # One tick lets messages already on their way join the first batch; while a batch
            # commits, the next fills up behind it.
            await asyncio.sleep(0)
            while self._waiting:
                batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch:]
                live = [(item, f) for item, f in batch if not f.done()]  # a sender gone meanwhile
                if live:
                    await self._write(live)
        finally:
            self._running = False

    async def _write(self, batch: list[tuple[Item, asyncio.Future]]) -> None:
        if len(batch) > 1:
            try:
                results = await self._write_batch([item for item, _ in batch])
            except Exception as exc:
                log.info("a group commit failed; storing its messages one at a time",
                         extra={"messages": len(batch), "error": type(exc).__name__})
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
