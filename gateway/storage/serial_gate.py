"""Units of work on SQLite take turns in the process, and a customer's ack goes first.

SQLite has one writer at a time. A second writer that finds the file locked sleeps in SQLite's
busy handler, up to 100 ms a try, before it looks again; a reader that later wants to write
fails outright if another writer committed since it began. Under a burst of customers that
waiting, not the writing, was where an ack's seconds went. Here each unit of work waits on this
gate instead, which is handed to the next in line the moment the last one ends, so the database
never sees two at once from this process. Transactions are milliseconds long, so taking turns
costs readers little.

Units of work on a customer's ack path (`ack_path` set) are let in ahead of the rest, but never
more than URGENT_IN_A_ROW times while others wait: a long burst slows the bot, it does not stop
it. The gate is re-entrant per task, so a unit of work opened inside another cannot deadlock.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque

log = logging.getLogger(__name__)

URGENT_IN_A_ROW = 8
# A unit of work holding the gate this long holds every other one up: worth a line in the log.
SLOW_HOLD_SECONDS = 1.0


class SerialGate:
    def __init__(self) -> None:
        self._holder: asyncio.Task | None = None
        self._depth = 0
        self._since = 0.0
        self._urgent: deque[tuple[asyncio.Future, asyncio.Task]] = deque()
        self._other: deque[tuple[asyncio.Future, asyncio.Task]] = deque()
        self._urgent_run = 0

    @property
    def waiting(self) -> int:
        return len(self._urgent) + len(self._other)

    async def acquire(self, urgent: bool = False) -> None:
        task = asyncio.current_task()
        if self._holder is task:
            self._depth += 1
            return
        if self._holder is None and not self.waiting:
            self._take(task)
            return
        future = asyncio.get_running_loop().create_future()
        line = self._urgent if urgent else self._other
        entry = (future, task)
        line.append(entry)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # handed over just as it was cancelled: pass it on
            elif entry in line:  # a release may have passed over it already
                line.remove(entry)
            raise

    def release(self) -> None:
        self._depth -= 1
        if self._depth:
            return
        held = time.monotonic() - self._since
        if held > SLOW_HOLD_SECONDS:
            log.warning("a unit of work held the database for a long time", extra={"seconds": round(held, 2)})
        self._holder = None
        while self.waiting:
            if self._urgent and (self._urgent_run < URGENT_IN_A_ROW or not self._other):
                self._urgent_run += 1
                future, task = self._urgent.popleft()
            else:
                self._urgent_run = 0
                future, task = self._other.popleft()
            if not future.done():  # a cancelled waiter may not have left the line yet
                self._take(task)
                future.set_result(None)
                return

    def _take(self, task: asyncio.Task | None) -> None:
        self._holder = task
        self._depth = 1
        self._since = time.monotonic()
