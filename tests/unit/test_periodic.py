"""The shared background loop: a failed round is logged and the next round still comes."""
import asyncio

from gateway.periodic import every


async def test_a_failing_round_does_not_end_the_loop():
    rounds = []

    async def work():
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("database hiccup")

    task = asyncio.create_task(every(0.001, work, at_once=True))
    for _ in range(500):  # bounded: a few milliseconds of rounds
        if len(rounds) >= 3:
            break
        await asyncio.sleep(0.002)
    task.cancel()
    assert len(rounds) >= 3


async def test_without_at_once_the_first_round_waits():
    rounds = []

    async def work():
        rounds.append(1)

    task = asyncio.create_task(every(3600, work))
    await asyncio.sleep(0.01)
    task.cancel()
    assert rounds == []
