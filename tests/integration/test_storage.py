"""The storage layer on every backend: SQLite always, PostgreSQL where it is reachable."""
import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.doubles import HandOffEverything
from bot.responder import BotReply
from gateway.bus import MessageBus
from gateway.conversations.channel_port import ChannelRegistry, ChannelUnavailable, InboundMessage, Undeliverable
from gateway.channels.collecting import CollectingChannel
from gateway.clock import utcnow
from gateway.conversations.bot_turn import BotTurn
from gateway.conversations.commands import DeliverMessage, RunBotTurn, outbox_handlers
from gateway.conversations.delivery import Delivery
from gateway.conversations.model import ConcurrentUpdate, Status, plan_transition
from gateway.conversations.outbox_worker import MAX_ATTEMPTS, OutboxWorker
from gateway.bootstrap import wire_pipeline
from gateway.leasing import LeaseKeeper
from gateway.storage import migrate
from gateway.storage.database import create_engine, create_session_factory
from gateway.storage.chat_store import SqlChatStore
from gateway.storage.tables import Conversation, ConversationEvent, Message, OutboxItem
from gateway.storage.unit_of_work import UnitOfWork
from handoff.pipeline_handoffs import PipelineHandoffs


class Harness:
    """The conversation pipeline on a real database, with a collecting output channel."""

    def __init__(self, url: str):
        self.engine = create_engine(url)
        self.sessions = create_session_factory(self.engine)
        self.out = CollectingChannel("collect")
        channels = ChannelRegistry()
        channels.register(self.out)
        # The gateway's own wiring of the pipeline, with a stand-in bot and a collecting channel.
        pipeline = wire_pipeline(self.uow, channels, utcnow, MessageBus(), HandOffEverything(), PipelineHandoffs(600))
        self.intake, self.bot_turn = pipeline.intake, pipeline.bot_turn
        self.worker = OutboxWorker(self.uow, pipeline.handlers, utcnow, poll_seconds=0.05,
                                   on_failure=pipeline.delivery.failed, superseded=pipeline.superseded)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, None)

    async def row(self, model, row_id):
        async with self.sessions() as s:
            return await s.get(model, row_id)

    async def rows(self, model, **where):
        async with self.sessions() as s:
            stmt = select(model).filter_by(**where).order_by(model.id)
            return list((await s.execute(stmt)).scalars().all())


def inbound(text="where is my parcel?", msg_id="c-1", chat="chat-1"):
    return InboundMessage(channel="collect", external_chat_id=chat, external_user_id=chat,
                          text=text, external_message_id=msg_id)


async def drain(worker: OutboxWorker) -> None:
    """Wait for the lanes `dispatch_due` started."""
    while worker._active:
        await asyncio.gather(*list(worker._active.values()))


async def resolve(harness, conversation_id: str) -> None:
    async with harness.uow() as uow:
        conversation = await uow.chats.conversation(conversation_id)
        await uow.chats.transition(
            conversation, plan_transition(Status(conversation.status), Status.RESOLVED, actor="agent:1",
                                          reason="answered"), utcnow(), resolved_at=utcnow())
        await uow.commit()


@pytest.fixture
async def harness(database_url):
    h = Harness(database_url)
    yield h
    await h.worker.stop()
    await h.engine.dispose()


async def test_migrations_reach_head(harness):
    assert await migrate.current_revisions(harness.engine) == migrate.head_revisions()


async def test_a_message_is_stored_with_its_bot_turn_in_one_commit(harness):
    stored = await harness.intake.receive(inbound())
    assert not stored.duplicate
    [message] = await harness.rows(Message, conversation_id=stored.message.conversation_id)
    assert (message.id, message.text, message.sender) == (stored.message.id, "where is my parcel?", "customer")
    [turn] = await harness.rows(OutboxItem, kind=RunBotTurn.KIND)
    assert turn.payload == {"message_id": message.id} and turn.done_at is None


async def test_the_same_client_msg_id_gives_the_same_message_and_one_bot_turn(harness):
    first = await harness.intake.receive(inbound())
    again = await harness.intake.receive(inbound())
    assert again.duplicate and again.message.id == first.message.id
    assert len(await harness.rows(OutboxItem, kind=RunBotTurn.KIND)) == 1


async def test_concurrent_duplicates_store_one_message(harness):
    await harness.intake.open("collect", "chat-1", "chat-1")
    results = await asyncio.gather(*[harness.intake.receive(inbound()) for _ in range(5)])
    assert len({r.message.id for r in results}) == 1
    assert len(await harness.rows(Message)) == 1


async def test_the_bot_turn_replies_hands_off_and_delivers_in_order(harness):
    stored = await harness.intake.receive(inbound())
    harness.worker.start()
    sent = await harness.out.wait_for(3)
    texts = [item.text for _, item in sent[:2]]
    assert texts[0].startswith("[Placeholder bot")
    assert texts[1] == ("You are number 1 in the queue for a person. No one from our team is online right now, so "
                        "we can't tell you how long it will be; our supervisors have been told, and a person will "
                        "answer here as soon as one is free.")
    assert sent[2][1].state == "queued" and sent[2][1].position == 1
    conversation = await harness.row(Conversation, stored.message.conversation_id)
    assert conversation.status == Status.QUEUED and conversation.handed_off_at is not None
    events = await harness.rows(ConversationEvent, conversation_id=conversation.id)
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [
        (None, "bot", "customer"), ("bot", "queued", "bot")]
    assert events[1].reason == "placeholder: no knowledge base yet"


@pytest.mark.parametrize("filter_works", [True, False], ids=["filtered", "filter-fails"])
async def test_a_burst_from_one_customer_is_one_bot_turn_and_every_item_is_done(harness, filter_works):
    ran = []
    turn = harness.worker._handlers["bot_turn"]

    async def counted(payload):
        ran.append(payload["message_id"])
        await turn(payload)

    async def broken(payloads):
        raise RuntimeError("filter down")

    harness.worker._handlers["bot_turn"] = counted
    if not filter_works:  # every turn runs, and decides for itself: the same one reply
        harness.worker._superseded["bot_turn"] = broken
    ids = [(await harness.intake.receive(inbound(text, f"c-{n}"))).message.id
           for n, text in enumerate(["hi", "my parcel", "where is it?"])]
    await harness.worker.dispatch_due()
    await drain(harness.worker)
    assert ran == (ids[-1:] if filter_works else ids)
    [reply] = [m for m in await harness.rows(Message) if m.sender == "bot"]
    assert reply.reply_to_id == ids[-1] and reply.meta["answers"] == ids
    assert all(item.done_at is not None for item in await harness.rows(OutboxItem, kind="bot_turn"))


async def test_a_lane_takes_its_conversations_whole_backlog_beyond_the_batch(harness):
    """Three customers' bursts, interleaved as they arrive: a batch of three holds only their
    first words, and the lanes still take all five of each, so only the last ones run."""
    ran = []
    turn = harness.worker._handlers["bot_turn"]

    async def counted(payload):
        ran.append(payload["message_id"])
        await turn(payload)

    harness.worker._handlers["bot_turn"] = counted
    harness.worker._batch = 3
    last = {}
    for n in range(5):
        for chat in ("a", "b", "c"):
            last[chat] = (await harness.intake.receive(inbound(f"words {n}", f"{chat}-{n}", chat))).message.id
    await harness.worker.dispatch_due()
    await drain(harness.worker)
    assert sorted(ran) == sorted(last.values())
    assert all(item.done_at is not None for item in await harness.rows(OutboxItem, kind="bot_turn"))


async def test_a_bot_turn_that_runs_twice_replies_once(harness):
    stored = await harness.intake.receive(inbound())
    await asyncio.gather(harness.bot_turn.run(RunBotTurn(stored.message.id)),
                         harness.bot_turn.run(RunBotTurn(stored.message.id)))
    await harness.bot_turn.run(RunBotTurn(stored.message.id))
    assert len(await harness.rows(Message, sender="bot")) == 1


async def test_a_new_message_reopens_a_resolved_conversation(harness):
    stored = await harness.intake.receive(inbound())
    async with harness.uow() as uow:
        conversation = await uow.chats.conversation(stored.message.conversation_id)
        await uow.chats.transition(
            conversation, plan_transition(Status.BOT, Status.RESOLVED, actor="agent:1", reason="answered"),
            utcnow(), resolved_at=utcnow())
        await uow.commit()
    again = await harness.intake.receive(inbound("one more thing", "c-2"))
    assert again.message.conversation_id == stored.message.conversation_id
    events = await harness.rows(ConversationEvent, conversation_id=stored.message.conversation_id)
    assert [e.to_status for e in events] == ["bot", "resolved", "bot"]
    assert events[-1].reason == "customer wrote again"


async def test_two_writers_on_one_version_one_wins(harness):
    stored = await harness.intake.receive(inbound())
    conversation_id = stored.message.conversation_id
    async with harness.uow() as first, harness.uow() as second:
        a = await first.chats.conversation(conversation_id)
        b = await second.chats.conversation(conversation_id)
        await first.chats.transition(
            a, plan_transition(Status.BOT, Status.QUEUED, actor="bot", reason="low confidence"), utcnow())
        await first.commit()
        with pytest.raises(ConcurrentUpdate):
            await second.chats.transition(
                b, plan_transition(Status.BOT, Status.RESOLVED, actor="agent:1", reason="done"), utcnow())
    events = await harness.rows(ConversationEvent, conversation_id=conversation_id)
    assert [e.to_status for e in events] == ["bot", "queued"]


async def test_messages_and_status_events_cannot_be_updated(harness):
    stored = await harness.intake.receive(inbound())
    for model in (Message, ConversationEvent):
        async with harness.sessions() as s:
            with pytest.raises((DBAPIError, IntegrityError)) as info:
                await s.execute(update(model).values(created_at=utcnow()))
            assert "append-only" in str(info.value)


async def test_two_visitors_have_separate_conversations(harness):
    a = await harness.intake.receive(inbound("mine", "c-1", chat="alice"))
    b = await harness.intake.receive(inbound("mine too", "c-1", chat="bob"))
    assert a.message.conversation_id != b.message.conversation_id
    assert [m.text for m in await harness.intake.history(a.message.conversation_id)] == ["mine"]


async def test_a_failed_delivery_is_retried_and_blocks_later_ones(harness):
    calls = []

    async def flaky(payload):
        calls.append(payload["n"])
        if payload["n"] == 1 and calls.count(1) == 1:
            raise ConnectionError("channel down")

    harness.worker._handlers["flaky"] = flaky
    harness.worker._poll_seconds = 0.05
    async with harness.uow() as uow:
        for n in (1, 2):
            uow.outbox.add("flaky", {"n": n}, utcnow(), conversation_id="c")
        await uow.commit()
    await harness.worker.dispatch_due()
    await drain(harness.worker)
    assert calls == [1]
    await harness.worker.dispatch_due()  # 1 now waits for its retry, and 2 waits behind it
    await drain(harness.worker)
    assert calls == [1]
    async with harness.sessions() as s:
        await s.execute(text("UPDATE outbox SET available_at = created_at"))
        await s.commit()
    harness.worker.start()
    for _ in range(100):
        if calls == [1, 1, 2]:
            break
        await asyncio.sleep(0.05)
    assert calls == [1, 1, 2]
    [failed_once, _] = await harness.rows(OutboxItem, kind="flaky")
    assert failed_once.attempts == 1 and "channel down" in failed_once.last_error


async def test_items_waiting_for_a_retry_do_not_starve_other_conversations(harness):
    calls = []

    async def record(payload):
        calls.append(payload["n"])

    harness.worker._handlers["record"] = record
    harness.worker._batch = 2
    async with harness.uow() as uow:
        for n, conversation in ((1, "a"), (2, "a"), (3, "b"), (4, "c"), (5, "c")):
            uow.outbox.add("record", {"n": n}, utcnow(), conversation_id=conversation)
        await uow.commit()
    async with harness.sessions() as s:  # 1 and 3 failed and wait for their retries
        await s.execute(update(OutboxItem).where(OutboxItem.payload["n"].as_integer().in_([1, 3]))
                        .values(available_at=utcnow() + timedelta(minutes=5), attempts=1))
        await s.commit()
    await harness.worker.dispatch_due()
    await drain(harness.worker)
    assert calls == [4, 5]  # 2 stays behind 1, in its conversation's order


async def test_a_conversation_being_worked_on_does_not_fill_the_batch(harness):
    calls, release = [], asyncio.Event()

    async def slow(payload):
        calls.append(payload["n"])
        if payload["n"] == 1:
            await release.wait()

    harness.worker._handlers["slow"] = slow
    harness.worker._batch = 1
    async with harness.uow() as uow:
        for n, conversation in ((1, "a"), (2, "a"), (3, "b")):
            uow.outbox.add("slow", {"n": n}, utcnow(), conversation_id=conversation)
        await uow.commit()
    await harness.worker.dispatch_due()
    await asyncio.sleep(0.05)
    await harness.worker.dispatch_due()  # "a" is still busy with 1
    for _ in range(50):
        if 3 in calls:
            break
        await asyncio.sleep(0.02)
    assert calls == [1, 3]
    release.set()
    await drain(harness.worker)


async def test_no_more_lanes_than_the_cap_run_at_once_and_the_rest_run_after(harness):
    running, most, calls = set(), 0, []

    async def slow(payload):
        nonlocal most
        running.add(payload["n"])
        most = max(most, len(running))
        await asyncio.sleep(0.02)
        running.discard(payload["n"])
        calls.append(payload["n"])

    harness.worker._handlers["slow"] = slow
    harness.worker._max_lanes = 2
    harness.worker._poll_seconds = 3600  # only a lane's end can wake it
    async with harness.uow() as uow:
        for n in range(6):
            uow.outbox.add("slow", {"n": n}, utcnow(), conversation_id=f"c{n}")
        await uow.commit()
    await harness.worker.dispatch_due()
    assert set(harness.worker._active) == {"c0", "c1"}  # the two oldest
    harness.worker.start()
    for _ in range(500):
        if len(calls) == 6:
            break
        await asyncio.sleep(0.02)
    assert sorted(calls) == list(range(6)) and most == 2


async def test_with_several_processes_a_lane_held_elsewhere_does_not_hold_up_the_ones_behind_it(harness):
    calls = []

    async def record(payload):
        calls.append(payload["n"])

    here = LeaseKeeper(harness.uow, utcnow, owner="here", hold=timedelta(seconds=30))
    elsewhere = LeaseKeeper(harness.uow, utcnow, owner="elsewhere", hold=timedelta(seconds=30))
    worker = OutboxWorker(harness.uow, {"record": record}, utcnow, poll_seconds=3600, leases=here, max_lanes=1)
    async with harness.uow() as uow:
        for n in range(3):
            uow.outbox.add("record", {"n": n}, utcnow(), conversation_id=f"c{n}")
        await uow.commit()
    assert await elsewhere.take("outbox:c0")  # another process is on c0
    worker.start()
    worker.kick()
    try:
        for _ in range(500):
            if calls == [1, 2]:
                break
            await asyncio.sleep(0.02)
    finally:
        await worker.stop()
    assert calls == [1, 2]


async def test_an_item_that_keeps_failing_is_abandoned_and_unblocks_its_conversation(harness, caplog):
    calls = []

    async def poisoned(payload):
        calls.append(payload["n"])
        if payload["n"] == 1:
            raise ValueError("undeliverable")

    harness.worker._handlers["poisoned"] = poisoned
    async with harness.uow() as uow:
        for n in (1, 2):
            uow.outbox.add("poisoned", {"n": n}, utcnow(), conversation_id="c")
        await uow.commit()
    async with harness.sessions() as s:
        await s.execute(update(OutboxItem).where(OutboxItem.payload["n"].as_integer() == 1)
                        .values(attempts=MAX_ATTEMPTS - 1))
        await s.commit()
    await harness.worker.dispatch_due()
    await drain(harness.worker)
    assert calls == [1, 2]
    [abandoned, after] = await harness.rows(OutboxItem, kind="poisoned")
    assert abandoned.done_at is not None and abandoned.attempts == MAX_ATTEMPTS
    assert abandoned.last_error.startswith(f"abandoned after {MAX_ATTEMPTS} attempts: ")
    assert "undeliverable" in abandoned.last_error
    assert after.done_at is not None
    assert any(r.levelno == logging.ERROR and "abandoned" in r.getMessage() for r in caplog.records)


async def test_a_channel_that_is_down_is_waited_out_not_abandoned(harness):
    async def unreachable(payload):
        raise ConnectionError("channel unreachable")

    harness.worker._handlers["outage"] = unreachable
    async with harness.uow() as uow:
        uow.outbox.add("outage", {}, utcnow(), conversation_id="c")
        await uow.commit()
    async with harness.sessions() as s:
        await s.execute(update(OutboxItem).values(attempts=MAX_ATTEMPTS + 5))
        await s.commit()
    await harness.worker.dispatch_due()
    await drain(harness.worker)
    [waiting] = await harness.rows(OutboxItem, kind="outage")
    assert waiting.done_at is None and waiting.attempts == MAX_ATTEMPTS + 6
    assert waiting.available_at > utcnow()  # retried later, in order, once the channel is back


async def test_a_refused_delivery_is_failed_at_once_and_a_wait_asked_for_is_kept(harness):
    stored = await harness.intake.receive(inbound("please reply"))
    async with harness.uow() as uow:
        reply = await uow.chats.add_message(stored.message.conversation_id, "agent", "hello", utcnow())
        await uow.commit()
    route = {"channel": "collect", "chat_id": "chat-1"}

    async def refuse(chat_id, message):
        raise Undeliverable("the customer blocked the bot")

    async def rate_limited(chat_id, message):
        raise ChannelUnavailable("slow down", retry_after=17)

    harness.out.send_text = refuse
    async with harness.uow() as uow:
        uow.outbox.issue(DeliverMessage(**route, message_id=reply.id), utcnow(), "refused")
        await uow.commit()
    await harness.worker.dispatch_due()
    await drain(harness.worker)
    [refused] = await harness.rows(OutboxItem, conversation_id="refused")
    assert refused.done_at is not None and refused.attempts == 1 and "blocked" in refused.last_error
    async with harness.uow() as uow:
        delivery = await uow.channels.delivery(reply.id)
    assert (delivery.status, delivery.attempts) == ("failed", 1) and "blocked" in delivery.last_error

    harness.out.send_text = rate_limited
    async with harness.uow() as uow:
        uow.outbox.issue(DeliverMessage(**route, message_id=reply.id), utcnow(), "limited")
        await uow.commit()
    before = utcnow()
    await harness.worker.dispatch_due()
    await drain(harness.worker)
    [limited] = await harness.rows(OutboxItem, conversation_id="limited")
    assert limited.done_at is None
    assert timedelta(seconds=16) < limited.available_at - before < timedelta(seconds=19)
    async with harness.uow() as uow:
        assert (await uow.channels.delivery(reply.id)).status == "retrying"


async def test_a_send_cut_off_by_a_crash_is_not_repeated_where_a_repeat_would_show(harness):
    stored = await harness.intake.receive(inbound("please reply"))
    async with harness.uow() as uow:
        reply = await uow.chats.add_message(stored.message.conversation_id, "agent", "hello", utcnow())
        # What a process that died mid-send leaves behind.
        await uow.channels.record_delivery(reply.id, "collect", "sending", utcnow())
        await uow.commit()
    harness.out.resend_is_harmless = False
    delivery = Delivery(harness.uow, ChannelRegistry(), utcnow, MessageBus())
    delivery._channels.register(harness.out)
    await delivery.message(DeliverMessage("collect", "chat-1", reply.id))
    assert harness.out.sent == []  # not sent again
    async with harness.uow() as uow:
        row = await uow.channels.delivery(reply.id)
    assert row.status == "failed" and "may or may not have reached the customer" in row.last_error

    second = await harness.intake.receive(inbound("and again", "c-2"))
    async with harness.uow() as uow:
        fresh = await uow.chats.add_message(second.message.conversation_id, "agent", "hi", utcnow())
        await uow.commit()
    await delivery.message(DeliverMessage("collect", "chat-1", fresh.id))
    await delivery.message(DeliverMessage("collect", "chat-1", fresh.id))  # a second run
    assert [m.text for _, m in harness.out.sent] == ["hi"]
    async with harness.uow() as uow:
        assert (await uow.channels.delivery(fresh.id)).status == "sent"


async def test_messages_racing_to_reopen_a_resolved_conversation_are_all_stored(harness):
    stored = await harness.intake.receive(inbound())
    conversation_id = stored.message.conversation_id
    await resolve(harness, conversation_id)
    results = await asyncio.gather(*[harness.intake.receive(inbound(f"again {i}", f"r-{i}")) for i in range(6)])
    assert len({r.message.id for r in results}) == 6
    assert {r.message.conversation_id for r in results} == {conversation_id}
    events = await harness.rows(ConversationEvent, conversation_id=conversation_id)
    assert [e.to_status for e in events] == ["bot", "resolved", "bot"]


class AnswerEverything:
    """A Responder that never hands off; `thinking` runs while it composes the answer."""

    def __init__(self, thinking):
        self._thinking = thinking

    async def respond(self, text, history) -> BotReply:
        await self._thinking()
        return BotReply(text="here is your answer", details={"language": "en"})


async def test_a_bot_reply_racing_an_agent_takeover_is_dropped(harness, monkeypatch):
    stored = await harness.intake.receive(inbound())
    conversation_id = stored.message.conversation_id
    armed = []
    real_read = SqlChatStore.conversation

    async def read_then_agent_takes_over(self, wanted):
        # The agent claims the conversation just after the bot read it as its own.
        conversation = await real_read(self, wanted)
        if armed:
            armed.clear()
            async with harness.uow() as uow:
                current = await real_read(uow.chats, wanted)
                for target, actor in ((Status.QUEUED, "agent:1"), (Status.ASSIGNED, "agent:1")):
                    change = plan_transition(Status(current.status), target, actor=actor, reason="agent took it")
                    current = await uow.chats.transition(current, change, utcnow())
                await uow.commit()
        return conversation

    async def arm():
        armed.append(True)

    monkeypatch.setattr(SqlChatStore, "conversation", read_then_agent_takes_over)
    harness.worker._handlers.update(outbox_handlers(
        {RunBotTurn: BotTurn(harness.uow, AnswerEverything(arm), utcnow, MessageBus(),
                             handoffs=PipelineHandoffs(600)).run}))
    await harness.worker.dispatch_due()
    await drain(harness.worker)
    assert await harness.rows(Message, sender="bot") == []
    [turn] = await harness.rows(OutboxItem, kind=RunBotTurn.KIND)
    assert turn.done_at is not None and turn.attempts == 0
    async with harness.uow() as uow:
        assert (await uow.chats.conversation(conversation_id)).status == Status.ASSIGNED


async def test_a_bot_turn_left_behind_by_a_crash_runs_after_a_restart(database_url):
    before = Harness(database_url)
    stored = await before.intake.receive(inbound())  # committed and acknowledged; then the process dies
    await before.engine.dispose()

    after = Harness(database_url)
    after.worker.start()
    try:
        sent = await after.out.wait_for(1)
        assert sent[0][1].text.startswith("[Placeholder bot")
        [reply] = await after.rows(Message, sender="bot")
        assert reply.reply_to_id == stored.message.id
    finally:
        await after.worker.stop()
        await after.engine.dispose()
