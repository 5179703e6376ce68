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


async def test_while_events_keep_coming_redraws_are_spaced():
    bus, redraw = MessageBus(), SlowRedraw()
    redraw.release.set()
    bus.subscribe_latest(QueueChanged, redraw, every=0.2)
    loop = asyncio.get_running_loop()
    began = loop.time()
    for n in range(30):  # a hand-off every 20 ms for 0.6 s
        await bus.publish(QueueChanged(str(n)))
        await asyncio.sleep(0.02)
    await bus.drain()
    assert redraw.seen[0] == "0" and redraw.seen[-1] == "29"  # the first at once, the last never lost
    assert 3 <= len(redraw.seen) <= 6, redraw.seen  # ~0.6 s / 0.2 s, not 30
    assert loop.time() - began < 1.5
