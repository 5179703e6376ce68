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

    def subscribe_latest(self, event_type: type, handler: Handler, share: float = 0.2) -> None:
        """For a handler that redraws current state (the whole queue) rather than acting on
        what happened: it runs in a task of its own, each time with the latest event, and
        takes at most `share` of the time: after a run of t seconds the next waits t/share - t.
        A redraw of a short queue is milliseconds, so a change shows at once; a burst of N
        hand-offs redraws a queue of N a few times a second rather than N times; and no
        publisher waits on it."""
        self._handlers[event_type].append(_Latest(handler, self._redrawing, share))

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
    def __init__(self, handler: Handler, tasks: set[asyncio.Task], share: float):
        self._handler = handler
        self._tasks = tasks
        self._rest = 1 / share - 1  # seconds of rest per second of running
        self._free_at = 0.0
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
                rest = self._free_at - loop.time()
                if rest > 0:  # what comes meanwhile folds into the next run
                    await asyncio.sleep(rest)
                event, self._next = self._next, None
                began = loop.time()
                try:
                    await self._handler(event)
                except Exception:
                    log.exception("event handler failed", extra={"event": type(event).__name__})
                ended = loop.time()
                self._free_at = ended + (ended - began) * self._rest
        finally:
            self._tasks.discard(self._task)
            self._task = None
