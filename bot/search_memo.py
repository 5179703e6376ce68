"""Searches already made, kept by text and knowledge-base version.

A flash sale or a delivery delay brings a thousand copies of one question in a minute; the
search behind each (an encode per model, the lexical index, the fusion) is the bot's cost,
and its answer is the same for every copy until the knowledge base changes. So a search is
kept under its text and the published entries' fingerprint: a publish makes a new version
and the old searches are never read again (the LRU lets them go). Copies that arrive while
the first is still being searched wait for it instead of searching too. What the bot then
decides is worked out again for each message, since it also reads the conversation so far.
"""
from __future__ import annotations

import asyncio
import unicodedata
from collections import OrderedDict
from functools import partial
from typing import Awaitable, Callable, Generic, Hashable, TypeVar

T = TypeVar("T")


def same_text(text: str) -> str:
    """Copies of one question as customers paste them: full-width forms, stray spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


class SearchMemo(Generic[T]):
    def __init__(self, size: int):
        self._size = size  # 0: keep nothing
        self._kept: OrderedDict[Hashable, T] = OrderedDict()
        self._running: dict[Hashable, asyncio.Future] = {}
        self.hits = 0
        self.misses = 0

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        if self._size <= 0:
            return await compute()
        if key in self._kept:
            self.hits += 1
            self._kept.move_to_end(key)
            return self._kept[key]
        running = self._running.get(key)
        if running is None:
            self.misses += 1
            running = asyncio.ensure_future(compute())
            self._running[key] = running
            running.add_done_callback(partial(self._finished, key))
        else:
            self.hits += 1
        # Shielded: one waiter giving up (a cancelled bot turn) does not cancel the others'.
        return await asyncio.shield(running)

    def _finished(self, key: Hashable, task: asyncio.Future) -> None:
        self._running.pop(key, None)
        if task.cancelled() or task.exception() is not None:
            return  # a failure is not kept: the next copy searches again
        self._kept[key] = task.result()
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)
