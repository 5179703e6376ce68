"""Exclusive work across gateway processes, through leases in the shared database.

Only used when several processes share one database (`GATEWAY_REDIS_URL` set). A process
takes a lease before an outbox lane or Telegram polling, one heartbeat renews every lease
it holds, and a process that dies simply stops renewing: its work passes to another
process once the lease runs out.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Callable, Protocol

from gateway.clock import Clock

log = logging.getLogger(__name__)

HOLD = timedelta(seconds=30)
HEARTBEAT_SECONDS = 10.0


class LeaseRows(Protocol):
    """The shared leases table (gateway/storage/leases.py)."""

    async def take(self, name: str, owner: str, now: datetime, hold: timedelta) -> bool: ...

    async def release(self, name: str, owner: str) -> None: ...

    async def renew_owned(self, owner: str, now: datetime, hold: timedelta) -> int: ...


class LeaseUnitOfWork(Protocol):
    leases: LeaseRows

    async def __aenter__(self) -> LeaseUnitOfWork: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def commit(self) -> None: ...


def process_identity() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseKeeper:
    def __init__(self, uow_factory: Callable[[], LeaseUnitOfWork], clock: Clock, owner: str | None = None,
                 hold: timedelta = HOLD, heartbeat_seconds: float = HEARTBEAT_SECONDS):
        self._uow = uow_factory
        self._clock = clock
        self.owner = owner or process_identity()
        self._hold = hold
        self._heartbeat_seconds = heartbeat_seconds
        self._task: asyncio.Task | None = None

    @property
    def hold_seconds(self) -> float:
        return self._hold.total_seconds()

    async def take(self, name: str) -> bool:
        async with self._uow() as uow:
            taken = await uow.leases.take(name, self.owner, self._clock(), self._hold)
            await uow.commit()
        return taken

    async def release(self, name: str) -> None:
        async with self._uow() as uow:
            await uow.leases.release(name, self.owner)
            await uow.commit()

    async def renew_all(self) -> int:
        async with self._uow() as uow:
            count = await uow.leases.renew_owned(self.owner, self._clock(), self._hold)
            await uow.commit()
        return count

    def start(self) -> None:
        self._task = asyncio.create_task(self._beat(), name="lease-heartbeat")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat_seconds)
            try:
                await self.renew_all()
            except Exception:
                log.warning("renewing leases failed; they run out in %s s unless the next beat works",
                            self._hold.total_seconds(), exc_info=True)
