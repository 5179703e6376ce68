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

    def take(self) -> float:
        """0 when allowed; otherwise the seconds to wait before the next try."""
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.refill_per_second)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.refill_per_second
