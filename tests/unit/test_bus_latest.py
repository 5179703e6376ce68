"""Redraw handlers (`MessageBus.subscribe_latest`): a burst of events costs a few runs, the
last run sees the last event, and no publisher waits on a redraw."""
from __future__ import annotations

import asyncio
import logging

from gateway.bus import MessageBus
from handoff.events import QueueChanged


class SlowRedraw:
    def __init__(self) -> None:
        self.seen: list[str] = []
        self.release = asyncio.Event()

    async def __call__(self, event: QueueChanged) -> None:
        self.seen.append(event.why)
        await self.release.wait()


async def test_a_burst_is_folded_into_one_more_run_with_the_latest_event():
    bus, redraw = MessageBus(), SlowRedraw()
    bus.subscribe_latest(QueueChanged, redraw)
    await bus.publish(QueueChanged("hand-off 0"))
    await asyncio.sleep(0)  # the run starts
    for n in range(1, 50):
        await bus.publish(QueueChanged(f"hand-off {n}"))  # returns while the first run waits
    assert redraw.seen == ["hand-off 0"]
    redraw.release.set()
    await bus.drain()
    assert redraw.seen == ["hand-off 0", "hand-off 49"]


async def test_a_later_event_runs_again_and_plain_handlers_still_see_every_event():
    bus, redraw, every = MessageBus(), SlowRedraw(), []
    redraw.release.set()
    bus.subscribe_latest(QueueChanged, redraw)

    async def count(event):
        every.append(event.why)

    bus.subscribe(QueueChanged, count)
    for n in range(3):
        await bus.publish(QueueChanged(str(n)))
        await bus.drain()
    assert redraw.seen == ["0", "1", "2"] and every == ["0", "1", "2"]


async def test_a_failing_redraw_is_logged_and_the_next_event_runs(caplog):
    bus, runs = MessageBus(), []

    async def flaky(event):
        runs.append(event.why)
        if event.why == "first":
            raise RuntimeError("database went away")

    bus.subscribe_latest(QueueChanged, flaky)
    with caplog.at_level(logging.ERROR, logger="gateway.bus"):
        await bus.publish(QueueChanged("first"))
        await bus.drain()
    assert "event handler failed" in caplog.text
    await bus.publish(QueueChanged("second"))
    await bus.drain()
    assert runs == ["first", "second"]


async def test_a_redraw_takes_at_most_its_share_of_the_time():
    bus, runs = MessageBus(), []

    async def redraw(event):  # a long queue: 50 ms a redraw
        runs.append(event.why)
        await asyncio.sleep(0.05)

    bus.subscribe_latest(QueueChanged, redraw, share=0.2)  # then 200 ms of rest
    loop = asyncio.get_running_loop()
    began = loop.time()
    for n in range(50):  # a hand-off every 20 ms for a second
        await bus.publish(QueueChanged(str(n)))
        await asyncio.sleep(0.02)
    await bus.drain()
    took = loop.time() - began
    assert runs[0] == "0" and runs[-1] == "49"  # the first at once, the last never lost
    assert len(runs) <= took / 0.25 + 2, (runs, took)  # one per 50 ms run + 200 ms rest, not 50


async def test_quick_redraws_close_together_each_run_at_once():
    bus, redraw = MessageBus(), SlowRedraw()
    redraw.release.set()
    bus.subscribe_latest(QueueChanged, redraw, share=0.001)  # any rest would be plain to see
    for why in ("claimed", "hand-off", "claimed"):
        await bus.publish(QueueChanged(why))
        async with asyncio.timeout(1):
            await bus.drain()
    assert redraw.seen == ["claimed", "hand-off", "claimed"]
