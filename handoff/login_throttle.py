"""Password guessing is slowed to a crawl: after a few failures a name, or an address, waits.

Failures are rows in the database, so every gateway process counts the same ones and a restart
forgets nothing. The check comes before the password is verified: a right guess made while
locked out is refused like a wrong one, so locking out cannot be used to test guesses.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from gateway.clock import Clock
from handoff.staff_ports import AccountsUnitOfWork


@dataclass(frozen=True)
class ThrottlePolicy:
    per_name: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def _name(username: str) -> str:
    return username.strip().lower()[:64]


class LoginThrottle:
    def __init__(self, uow: Callable[[], AccountsUnitOfWork], clock: Clock, policy: ThrottlePolicy = ThrottlePolicy()):
        self._uow = uow
        self._clock = clock
        self._policy = policy

    async def wait_seconds(self, username: str, address: str) -> int:
        """0 when a login may be tried now; else how long until the oldest counted failure
        leaves the window."""
        now = self._clock()
        since = now - self._policy.window
        waits = [0]
        async with self._uow() as uow:
            for key, value, limit in (("username", _name(username), self._policy.per_name),
                                      ("ip", address[:64], self._policy.per_address)):
                times = await uow.login_failures.recent(key, value, since, limit)
                if len(times) >= limit:
                    waits.append(max(1, math.ceil((times[-1] + self._policy.window - now).total_seconds())))
        return max(waits)

    async def failed(self, username: str, address: str) -> None:
        now = self._clock()
        async with self._uow() as uow:
            uow.login_failures.add(_name(username), address[:64], now)
            # Failures past the window count for nothing: keep the table as small as the window.
            await uow.login_failures.forget_before(now - self._policy.window)
            await uow.commit()

    async def succeeded(self, username: str) -> None:
        """A right password clears the name's count (not the address's: one office's typos
        should not add up to a lock-out, but one guesser's other names still should)."""
        async with self._uow() as uow:
            await uow.login_failures.forget_name(_name(username))
            await uow.commit()
