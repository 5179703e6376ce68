"""The SQLite gate: one unit of work at a time, acks first, never a deadlock or a lost turn."""
import asyncio

import pytest

from gateway.storage.serial_gate import URGENT_IN_A_ROW, SerialGate


async def hold(gate: SerialGate, log: list, name: str, urgent: bool = False, started: asyncio.Event | None = None,
               release: asyncio.Event | None = None) -> None:
    await gate.acquire(urgent)
    try:
        log.append(name)
        if started:
            started.set()
        if release:
            await release.wait()
        await asyncio.sleep(0)
    finally:
        gate.release()


async def held(gate: SerialGate, log: list) -> tuple[asyncio.Task, asyncio.Event]:
    """The gate held by a unit of work named "first" until the event is set."""
    first_in, let_go = asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(hold(gate, log, "first", started=first_in, release=let_go))
    await first_in.wait()
    return first, let_go


async def test_one_at_a_time_and_urgent_first():
    gate, log = SerialGate(), []
    first, let_go = await held(gate, log)
    others = [asyncio.create_task(hold(gate, log, f"bot{i}")) for i in range(3)]
    await asyncio.sleep(0)
    acks = [asyncio.create_task(hold(gate, log, f"ack{i}", urgent=True)) for i in range(2)]
    await asyncio.sleep(0)
    assert log == ["first"] and gate.waiting == 5
    let_go.set()
    await asyncio.gather(first, *others, *acks)
    assert log == ["first", "ack0", "ack1", "bot0", "bot1", "bot2"]
    assert gate.waiting == 0


async def test_acks_cannot_starve_the_rest():
    gate, log = SerialGate(), []
    first, let_go = await held(gate, log)
    bot = asyncio.create_task(hold(gate, log, "bot"))
    await asyncio.sleep(0)
    acks = [asyncio.create_task(hold(gate, log, f"ack{i}", urgent=True)) for i in range(URGENT_IN_A_ROW + 2)]
    await asyncio.sleep(0)
    let_go.set()
    await asyncio.gather(first, bot, *acks)
    assert log.index("bot") == 1 + URGENT_IN_A_ROW


async def test_reentrant_in_one_task():
    gate = SerialGate()
    await gate.acquire()
    await gate.acquire(urgent=True)  # a unit of work inside another: would hang if not re-entrant
    gate.release()
    waiter = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0)
    assert not waiter.done()  # still held by the outer one
    gate.release()
    await asyncio.wait_for(waiter, 1)
    gate.release()


async def test_a_cancelled_waiter_loses_no_turn():
    gate, log = SerialGate(), []
    first, let_go = await held(gate, log)
    gone = asyncio.create_task(hold(gate, log, "gone"))
    after = asyncio.create_task(hold(gate, log, "after"))
    await asyncio.sleep(0)
    gone.cancel()
    let_go.set()  # the cancelled waiter leaves the line first; the next test releases before it can
    await asyncio.gather(first, after)
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert log == ["first", "after"]
    await asyncio.wait_for(gate.acquire(), 1)  # and the gate is free again
    gate.release()


async def test_a_waiter_cancelled_and_passed_over_says_cancelled():
    gate = SerialGate()
    await gate.acquire()
    waiter = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    gate.release()  # before the cancelled waiter has run: release passes over it
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert gate.waiting == 0
    await asyncio.wait_for(gate.acquire(), 1)
    gate.release()
