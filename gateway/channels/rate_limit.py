"""Token bucket: a burst is allowed, a sustained flood is not."""
from __future__ import annotations

import time
from typing import Callable


class TokenBucket:
    def __init__(self, capacity: float, refill_per_second: float, clock: Callable[[], float] = time.monotonic):
        self.capacity = capacity
        self.refill_per_second = refill_per_second
        self._clock = clock
        self._tokens = capacity
        self._at = clock()

    @property
    def last_taken(self) -> float:
        return self._at

    def take(self) -> float:
        """0 when allowed; otherwise the seconds to wait before the next try."""
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.refill_per_second)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.refill_per_second


class BucketsByKey:
    """A bucket per key (a client address): `per_minute` a minute after a burst of as many;
    0 turns the limit off. Buckets idle long enough to be full again are forgotten, so a
    stream of new addresses cannot grow memory without bound."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, prune_above: int = 10_000):
        self.per_minute = per_minute
        self._clock = clock
        self._prune_above = prune_above
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, key: str) -> float:
        if not self.per_minute:
            return 0.0
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._prune_above:
                self._forget_full()
            bucket = self._buckets[key] = TokenBucket(self.per_minute, self.per_minute / 60, self._clock)
        return bucket.take()

    def _forget_full(self) -> None:
        refill_time = 60.0  # an empty bucket is full again after one minute
        now = self._clock()
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.last_taken < refill_time}
        if len(self._buckets) >= self._prune_above:
            # More live addresses than we keep: forget the quietest half rather than prune on
            # every new one (a flood of addresses then costs amortised O(1) per connect).
            keep = sorted(self._buckets.items(), key=lambda kv: kv[1].last_taken)[self._prune_above // 2:]
            self._buckets = dict(keep)
