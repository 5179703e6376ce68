"""Group commit: a burst shares transactions; a failing batch costs no message its answer."""
import asyncio

import pytest

from gateway.conversations.group_commit import GroupCommit
from gateway.conversations.ports import ack_path


class Store:
    def __init__(self, refuse=()):
        self.batches: list[list[str]] = []
        self.urgent: list[bool] = []
        self.refuse = set(refuse)

    async def write_batch(self, items):
        self.urgent.append(ack_path.get())
        await asyncio.sleep(0.01)  # a commit takes a while; more arrive meanwhile
        if self.refuse & set(items):
            raise RuntimeError("one of these cannot be stored together")
        self.batches.append(list(items))
        return [f"stored {i}" for i in items]

    async def write_one(self, item):
        if item in self.refuse:
            raise ValueError(f"{item} cannot be stored")
        self.batches.append([item])
        return f"stored {item}"


async def test_a_burst_shares_commits_and_each_gets_its_own_result():
    store = Store()
    group = GroupCommit(store.write_batch, store.write_one, max_batch=50)

    async def send(i):
        await asyncio.sleep(0.001 * (i % 7))
        return await group.submit(f"m{i}")

    results = await asyncio.gather(*(send(i) for i in range(120)))
    assert results == [f"stored m{i}" for i in range(120)]
    assert sorted(i for b in store.batches for i in b) == sorted(f"m{i}" for i in range(120))
    assert len(store.batches) < 20 and max(map(len, store.batches)) <= 50
    assert group.items == 120 and group.batches == len(store.batches)
    assert all(store.urgent) and not ack_path.get()  # the drain's context only


async def test_a_batch_that_lost_a_race_is_stored_one_at_a_time():
    store = Store(refuse={"bad"})
    group = GroupCommit(store.write_batch, store.write_one, conflicts=(RuntimeError,))
    results = await asyncio.gather(*(group.submit(i) for i in ["a", "bad", "b"]), return_exceptions=True)
    assert results[0] == "stored a" and results[2] == "stored b"
    assert isinstance(results[1], ValueError)
    assert store.batches == [["a"], ["b"]]


async def test_a_sender_gone_is_skipped():
    store = Store()
    group = GroupCommit(store.write_batch, store.write_one)
    gone = asyncio.create_task(group.submit("gone"))
    await asyncio.sleep(0)
    gone.cancel()
    assert await group.submit("kept") == "stored kept"
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert store.batches == [["kept"]]


async def test_work_nobody_waits_on_does_not_go_first():
    store = Store()
    group = GroupCommit(store.write_batch, store.write_one, urgent=False)
    await asyncio.gather(group.submit("a"), group.submit("b"))
    assert store.urgent == [False]


async def test_a_failing_database_fails_the_batch_at_once():
    store = Store(refuse={"bad"})
    group = GroupCommit(store.write_batch, store.write_one, conflicts=(KeyError,))
    results = await asyncio.gather(*(group.submit(i) for i in ["a", "bad", "b"]), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert store.batches == []  # not tried again one by one, each waiting its own timeout


async def test_a_write_cancelled_midway_leaves_nobody_waiting():
    started = asyncio.Event()

    async def never_finishes(items):
        started.set()
        await asyncio.sleep(3600)

    group = GroupCommit(never_finishes, never_finishes)
    senders = [asyncio.create_task(group.submit(i)) for i in "ab"]
    await started.wait()
    group._drainer.cancel()
    results = await asyncio.gather(*senders, return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
