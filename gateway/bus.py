"""In-process event bus: events (past tense) fan out to handlers, each isolated.

Used for the realtime lane only (socket fan-out, typing). What must not be lost goes
through the outbox table instead.
"""
from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any, Awaitable, Callable

log = logging.getLogger(__name__)

Handler = Callable[[Any], Awaitable[None]]


class MessageBus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)
        self._redrawing: set[asyncio.Task] = set()

    def subscribe(self, event_type: type, handler: Handler) -> None:
        self._handlers[event_type].append(handler)

    def subscribe_latest(self, event_type: type, handler: Handler, every: float = 0.0) -> None:
        """For a handler that redraws current state (the whole queue) rather than acting on
        what happened: it runs in a task of its own, at once for an event on its own, and at
        most once every `every` seconds while events keep coming, each time with the latest.
        A burst of N hand-offs then redraws a queue of N a few times a second rather than
        N times, and no publisher waits on it."""
        self._handlers[event_type].append(_Latest(handler, self._redrawing, every))

    async def drain(self) -> None:
        """Wait for redraws under way; for shutdown, before the database goes."""
        while self._redrawing:
            await asyncio.gather(*self._redrawing, return_exceptions=True)

    async def publish(self, event: Any) -> None:
        for handler in self._handlers[type(event)]:
            try:
                await handler(event)
            except Exception:  # one failing listener must not starve the others
                log.exception("event handler failed", extra={"event": type(event).__name__})


class _Latest:
    def __init__(self, handler: Handler, tasks: set[asyncio.Task], every: float):
        self._handler = handler
        self._tasks = tasks
        self._every = every
        self._last = float("-inf")
        self._next: Any = None
        self._task: asyncio.Task | None = None

    async def __call__(self, event: Any) -> None:
        self._next = event
        if self._task is None:
            self._task = asyncio.create_task(self._run())
            self._tasks.add(self._task)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._next is not None:
                wait = self._last + self._every - loop.time()
                if wait > 0:  # too soon after the last run: what comes meanwhile folds into the next
                    await asyncio.sleep(wait)
                event, self._next = self._next, None
                self._last = loop.time()
                try:
                    await self._handler(event)
                except Exception:
                    log.exception("event handler failed", extra={"event": type(event).__name__})
        finally:
            self._tasks.discard(self._task)
            self._task = None
