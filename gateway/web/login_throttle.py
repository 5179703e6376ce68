"""Password guessing is slowed to a crawl: after a few failures a name, or an address, waits.

Failures are rows in the database, so every gateway process counts the same ones and a restart
forgets nothing. The check comes before the password is verified: a right guess made while
locked out is refused like a wrong one, so locking out cannot be used to test guesses.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from gateway.clock import Clock
from gateway.storage.tables import LoginFailure
from gateway.storage.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class ThrottlePolicy:
    per_name: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def _name(username: str) -> str:
    return username.strip().lower()[:64]


class LoginThrottle:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, policy: ThrottlePolicy = ThrottlePolicy()):
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
            for column, value, limit in ((LoginFailure.username, _name(username), self._policy.per_name),
                                         (LoginFailure.ip, address[:64], self._policy.per_address)):
                recent = (select(LoginFailure.at).where(column == value, LoginFailure.at > since)
                          .order_by(LoginFailure.at.desc()).limit(limit))
                times = (await uow.session.execute(recent)).scalars().all()
                if len(times) >= limit:
                    waits.append(max(1, math.ceil((times[-1] + self._policy.window - now).total_seconds())))
        return max(waits)

    async def failed(self, username: str, address: str) -> None:
        now = self._clock()
        async with self._uow() as uow:
            uow.session.add(LoginFailure(username=_name(username), ip=address[:64], at=now))
            # Rows past the window count for nothing: keep the table as small as the window.
            await uow.session.execute(delete(LoginFailure).where(LoginFailure.at <= now - self._policy.window))
            await uow.commit()

    async def succeeded(self, username: str) -> None:
        """A right password clears the name's count (not the address's: one office's typos
        should not add up to a lock-out, but one guesser's other names still should)."""
        async with self._uow() as uow:
            await uow.session.execute(delete(LoginFailure).where(LoginFailure.username == _name(username)))
            await uow.commit()
