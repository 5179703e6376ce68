"""One loop for the background checks that any process runs on its own: knowledge-base and
calendar refreshes, console-session sweeps, retention. A failed round is logged and the next
one comes as usual, so a database hiccup never ends a check for good."""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

log = logging.getLogger(__name__)


async def every(seconds: float, work: Callable[[], Awaitable[object]], *, at_once: bool = False) -> None:
    """Runs `work` every `seconds` until cancelled; `at_once` runs it first before waiting."""
    if at_once:
        await _round(work)
    while True:
        await asyncio.sleep(seconds)
        await _round(work)


async def _round(work) -> None:
    try:
        await work()
    except Exception:
        log.exception("periodic task failed; trying again next round", extra={"task": getattr(work, "__qualname__", "")})
