"""In-process event bus: events (past tense) fan out to handlers, each isolated.

Used for the realtime lane only (socket fan-out, typing). What must not be lost goes
through the outbox table instead.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any, Awaitable, Callable

log = logging.getLogger(__name__)

Handler = Callable[[Any], Awaitable[None]]


class MessageBus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type, handler: Handler) -> None:
        self._handlers[event_type].append(handler)

    async def publish(self, event: Any) -> None:
        for handler in self._handlers[type(event)]:
            try:
                await handler(event)
            except Exception:  # one failing listener must not starve the others
                log.exception("event handler failed", extra={"event": type(event).__name__})
