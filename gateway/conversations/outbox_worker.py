"""Carries out outbox items after commit: bot turns and deliveries to channels.

Items of one conversation run strictly in order (a failed item blocks the ones after it
until its retry succeeds); different conversations run side by side. A transport that is
down (connection refused, time-outs) is waited out however long it takes, so a reply is
delivered once the channel is back; any other failure is a bug or bad data that retrying
will not heal, and after MAX_ATTEMPTS the item is abandoned (done, its error kept) so it
cannot block its conversation forever; a channel that says it never will deliver
(`Undeliverable`) has its item abandoned at once. A commit that adds items wakes the
worker at once; a slow poll picks up whatever a crash left behind.

A kind may have a filter that looks at a lane's run of items of that kind at once and names
those a later one in the run makes pointless (a bot turn for words the customer has since
added to): they are marked done unrun, so a burst of a customer's messages costs one read,
not one per message.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from datetime import timedelta
from itertools import groupby
from typing import Awaitable, Callable

from gateway.clock import Clock
from gateway.conversations.channel_port import Undeliverable
from gateway.conversations.group_commit import GroupCommit
from gateway.conversations.ports import Leases, OutboxUnitOfWork, QueuedCommand

log = logging.getLogger(__name__)

OutboxHandler = Callable[[dict], Awaitable[None]]
# The payloads of a lane's consecutive items of one kind -> the indexes of those that need not
# run, whatever runs before them or fails: they are marked done at once, in any order. Only
# ever a shortcut: an item it does not name runs, and decides for itself.
SupersededFilter = Callable[[list[dict]], Awaitable[set[int]]]
# (kind, payload, error, attempts so far, given up) -> None: tells people what is stuck.
FailureListener = Callable[[str, dict, Exception, int, bool], Awaitable[None]]
# A customer waiting on a reply after an outage should not wait minutes more for the retry.
MAX_BACKOFF_SECONDS = 60
# With the back-off doubling from 1 s, the last try comes about two minutes after the first.
MAX_ATTEMPTS = 8
TRANSIENT = (OSError, TimeoutError)  # ConnectionError is an OSError
# Conversations worked on at once. Each lane's every step queues for the database (on SQLite,
# at one gate); with a burst's thousands of lanes in that queue each step waited for all the
# others' before it, and no lane reached the bot for half a minute while the encoders stood
# idle. A few batches' worth keeps the encoders fed (the micro-batcher takes 64 at a time) and
# each lane moving; the rest wait in the outbox, where they are safe anyway.
MAX_LANES = 192
# A lane's items read at once, on average: a conversation with more takes them in later lanes.
LANE_DEPTH = 20
# With several processes: how long a lane whose lease another process holds is left to it.
# Without this, every process would pick the same oldest conversations, up to the cap, and all
# but the holder would be refused them at every poll while later conversations waited.
HELD_ELSEWHERE_SECONDS = 5.0


def _lanes(items: list[QueuedCommand], busy: set[str] = frozenset(), most: int | None = None
           ) -> OrderedDict[str, list[QueuedCommand]]:
    """Items by the lane they run in, oldest lane first, at most `most` lanes, none of `busy`."""
    lanes: OrderedDict[str, list[QueuedCommand]] = OrderedDict()
    for item in items:
        lane = item.conversation_id or f"item:{item.id}"
        if lane in busy or (lane not in lanes and most is not None and len(lanes) >= most):
            continue
        lanes.setdefault(lane, []).append(item)
    return lanes


class OutboxWorker:
    def __init__(
        self,
        uow_factory: Callable[[], OutboxUnitOfWork],
        handlers: dict[str, OutboxHandler],
        clock: Clock,
        poll_seconds: float = 1.0,
        batch: int = 500,
        on_failure: FailureListener | None = None,
        leases: Leases | None = None,
        superseded: dict[str, SupersededFilter] | None = None,
        max_lanes: int = MAX_LANES,
    ):
        self._uow = uow_factory
        self._handlers = handlers
        self._clock = clock
        self._poll_seconds = poll_seconds
        self._batch = batch
        self._on_failure = on_failure
        self._leases = leases  # set when other processes run workers on the same database
        self._superseded = superseded or {}
        self._max_lanes = max_lanes
        self._held_elsewhere: dict[str, float] = {}  # lane -> monotonic time to look at it again
        self._wake = asyncio.Event()
        self._active: dict[str, asyncio.Task] = {}
        self._task: asyncio.Task | None = None
        # Lanes finishing together share the commit that marks their items done.
        self._done = GroupCommit(self._mark_done, self._mark_one_done, urgent=False)

    def kick(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-worker")

    async def stop(self) -> None:
        tasks = [t for t in [self._task, *self._active.values()] if t]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None

    async def _run(self) -> None:
        while True:
            # Not asyncio.wait_for: on 3.11 it swallows a cancel that coincides with the wake
            # a stopping lane sends, and stop() would then wait forever.
            try:
                async with asyncio.timeout(self._poll_seconds):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.dispatch_due()
            except Exception:
                log.exception("outbox poll failed; retrying at the next poll")

    async def dispatch_due(self) -> None:
        """Start one sequential runner per conversation that has due work and none running, up
        to `max_lanes` at once."""
        room = self._max_lanes - len(self._active)
        if room <= 0:
            return  # a lane's end wakes the worker again
        now = self._clock()
        moment = time.monotonic()
        self._held_elsewhere = {lane: until for lane, until in self._held_elsewhere.items() if until > moment}
        # Taken before the read: a lane ending meanwhile was read stale.
        busy = set(self._active) | set(self._held_elsewhere)
        async with self._uow() as uow:
            items = await uow.outbox.due(now, self._batch, frozenset(busy))
            lanes = _lanes(items, busy, room)
            # Each conversation's whole backlog, not only what fell within the batch: a burst's
            # items interleave, and a lane that holds one message of five answers a customer
            # late, after turns for everyone's earlier words that the filter could have dropped.
            # A batch that was not full already holds every due item: no second read then.
            chosen = frozenset(lane for lane, work in lanes.items() if work[0].conversation_id is not None)
            if chosen and len(items) == self._batch:
                backlog = await uow.outbox.due(now, LANE_DEPTH * len(chosen), only_conversations=chosen)
                for lane, commands in _lanes(backlog).items():
                    # Both are a prefix of the lane's due items in order; one conversation's long
                    # backlog can take the shared limit, so the longer one is kept.
                    if len(commands) > len(lanes[lane]):
                        lanes[lane] = commands
        for lane, commands in lanes.items():
            if lane in self._active:
                continue  # only if dispatches ever overlap: one lane per conversation, always
            work = [(c.id, c.kind, c.payload) for c in commands]
            run = self._run_lane(lane, work) if self._leases is None else self._run_leased_lane(lane, work)
            self._active[lane] = asyncio.create_task(run)

    async def _run_lane(self, lane: str, work: list) -> None:
        try:
            for item_id, kind, payload in await self._drop_pointless(work):
                if not await self._run_item(item_id, kind, payload):
                    break
        finally:
            self._active.pop(lane, None)
            self.kick()  # more may have been queued for this lane meanwhile

    async def _run_leased_lane(self, lane: str, work: list) -> None:
        """A lane another process may also have read: run it only while holding its lease,
        and only what is still undone once the lease is ours."""
        name = f"outbox:{lane}"
        ran = False
        try:
            if not await self._leases.take(name):
                # Another process has it: left to that one for a while, and the worker woken
                # for the conversations behind it.
                self._held_elsewhere[lane] = time.monotonic() + HELD_ELSEWHERE_SECONDS
                self.kick()
                return
            ran = True
            try:
                async with self._uow() as uow:
                    waiting = await uow.outbox.waiting([item_id for item_id, _, _ in work], self._clock())
                # What the other process did before we held the lane is left out first.
                work = [(item_id, kind, payload) for item_id, kind, payload in work if item_id in waiting]
                for item_id, kind, payload in await self._drop_pointless(work):
                    if not waiting[item_id] or not await self._run_item(item_id, kind, payload):
                        break  # it failed there or here, and waits for its retry
            finally:
                await self._leases.release(name)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox lane failed; it is retried at the next poll", extra={"lane": lane})
        finally:
            self._active.pop(lane, None)
            if ran:  # not after a refusal or an error: that would poll the database in a tight loop
                self.kick()

    async def _drop_pointless(self, work: list) -> list:
        """The work less the items its own runs make pointless, which are marked done: in any
        order, since running them would change nothing whatever ran before."""
        skip = await self._pointless(work)
        if not skip:
            return work
        await asyncio.gather(*(self._done.submit(item_id) for item_id in skip))
        return [item for item in work if item[0] not in skip]

    async def _pointless(self, work: list) -> set[int]:
        """Ids of the items that runs of one kind make pointless, per that kind's filter."""
        skip: set[int] = set()
        for kind, run in groupby(work, key=lambda item: item[1]):
            run = list(run)
            check = self._superseded.get(kind)
            if check is None or len(run) < 2:
                continue
            try:
                skip.update(run[i][0] for i in await check([payload for _, _, payload in run]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox filter failed; every item of the run is run", extra={"kind": kind})
        return skip

    async def _run_item(self, item_id: int, kind: str, payload: dict) -> bool:
        try:
            await self._handlers[kind](payload)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return await self._record_failure(item_id, kind, payload, exc)
        await self._done.submit(item_id)
        return True

    async def _mark_done(self, item_ids: list[int]) -> list[None]:
        async with self._uow() as uow:
            await uow.outbox.mark_done_many(item_ids, self._clock())
            await uow.commit()
        return [None] * len(item_ids)

    async def _mark_one_done(self, item_id: int) -> None:
        await self._mark_done([item_id])

    async def _record_failure(self, item_id: int, kind: str, payload: dict, exc: Exception) -> bool:
        """Whether the lane may go on: only once the item is given up on."""
        now = self._clock()
        async with self._uow() as uow:
            attempts = await uow.outbox.attempts(item_id) + 1
            retry = not isinstance(exc, Undeliverable) and (attempts < MAX_ATTEMPTS or isinstance(exc, TRANSIENT))
            if retry:
                delay = getattr(exc, "retry_after", None) or min(2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
                await uow.outbox.mark_failed(item_id, repr(exc), now + timedelta(seconds=delay))
            else:
                await uow.outbox.mark_abandoned(item_id, f"abandoned after {attempts} attempts: {exc!r}", now)
            await uow.commit()
        if retry:
            log.warning("outbox item failed", extra={"item": item_id, "kind": kind, "retry_in": delay}, exc_info=exc)
        else:
            log.error("outbox item abandoned", extra={"item": item_id, "kind": kind, "attempts": attempts},
                      exc_info=exc)
        if self._on_failure is not None:
            try:
                await self._on_failure(kind, payload, exc, attempts, not retry)
            except Exception:
                log.exception("outbox failure listener failed", extra={"item": item_id})
        return not retry
