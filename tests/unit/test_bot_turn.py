"""The bot turn on the memory store, with a scripted bot: no database, no socket, no model."""
import asyncio
import itertools

import pytest

from bot.responder import BotReply
from gateway.conversations.bot_turn import BotTurn
from gateway.conversations.channel_port import ChannelRegistry, InboundMessage
from gateway.conversations.commands import DeliverMessage, RunBotTurn
from gateway.conversations.delivery import Delivery
from gateway.conversations.events import BotTyping
from gateway.conversations.intake import Intake
from gateway.conversations.model import Sender, Status, plan_transition
from tests.memory_store import MemoryDatabase
from tests.pipeline_doubles import (QueueJoined, RecordingBus, RecordingHandoffs, ScriptedBot, SteppingClock,
                                    TypingChannel)


class Counting:
    def __init__(self):
        self.handoffs: list[str] = []
        self.decisions = 0

    def decision_took(self, seconds: float) -> None:
        self.decisions += 1

    def handed_off(self, kind: str) -> None:
        self.handoffs.append(kind)


ANSWER = BotReply("Standard delivery takes 2-3 days.", quick_replies=("Helpful",), details={"entry": "delivery-en"})
PERSON = BotReply("Let me find you a colleague.", handoff_reason="customer asked for a person",
                  details={"intent": "person", "language": "en"})


class Pipeline:
    def __init__(self, reply: BotReply, *, thinking=None, typing_fails=False):
        self.db = MemoryDatabase()
        self.bus = RecordingBus()
        self.handoffs = RecordingHandoffs()
        self.channel = TypingChannel("web", typing_fails=typing_fails)
        self.metrics = Counting()
        channels = ChannelRegistry()
        channels.register(self.channel)
        clock = SteppingClock()
        self.bot = ScriptedBot(reply, thinking)
        self.intake = Intake(self.db.unit_of_work, clock, self.bus, handoffs=self.handoffs)
        # The typing indicator reaches the channel as the gateway sends it: an event delivery handles.
        self.bus.subscribe(BotTyping, Delivery(self.db.unit_of_work, channels, clock, self.bus).typing)
        self.turn = BotTurn(self.db.unit_of_work, self.bot, clock, self.bus, handoffs=self.handoffs,
                            metrics=self.metrics)

    async def customer_says(self, text: str, msg_id: str) -> int:
        stored = await self.intake.receive(InboundMessage("web", "chat-1", "user-1", text, external_message_id=msg_id))
        return stored.message.id

    def messages(self, sender: str) -> list:
        return [m for m in self.db.tables.messages.values() if m.sender == sender]

    def conversation(self):
        [conversation] = self.db.tables.conversations.values()
        return conversation


async def test_an_answer_is_stored_as_the_reply_to_its_message_and_sent():
    p = Pipeline(ANSWER)
    asked = await p.customer_says("how long is delivery", "m-1")
    await p.turn.run(RunBotTurn(asked))
    [reply] = p.messages(Sender.BOT)
    assert (reply.text, reply.quick_replies, reply.meta["bot"]) == (ANSWER.text, ("Helpful",), {"entry": "delivery-en"})
    assert p.db.tables.replies == {asked: reply.id}
    assert [c for c, _ in p.db.tables.outbox][-1] == DeliverMessage("web", "chat-1", reply.id)
    assert p.bus.of(BotTyping) == [BotTyping("web", "chat-1")] and p.channel.typing == ["chat-1"]
    assert p.conversation().status == Status.BOT and p.conversation().version == 2
    assert p.handoffs.opened == [] and p.metrics.decisions == 1


async def test_a_hand_off_queues_the_conversation_and_hand_off_opens_it_in_the_same_unit():
    p = Pipeline(PERSON)
    asked = await p.customer_says("I want to talk to a human", "m-1")
    await p.turn.run(RunBotTurn(asked))
    assert p.conversation().status == Status.QUEUED
    [opened] = p.handoffs.opened
    assert (opened["reason"], opened["message_id"], opened["customer_text"], opened["language"]) == (
        "customer asked for a person", asked, "I want to talk to a human", "en")
    assert p.bus.of(QueueJoined) == [QueueJoined(p.conversation().id)]  # published after the commit
    assert p.metrics.handoffs == ["person"]
    assert p.db.tables.events[-1][1:3] == (Status.BOT, Status.QUEUED)


async def test_a_turn_run_twice_replies_once():
    p = Pipeline(ANSWER)
    asked = await p.customer_says("how long is delivery", "m-1")
    await p.turn.run(RunBotTurn(asked))
    await p.turn.run(RunBotTurn(asked))
    assert len(p.messages(Sender.BOT)) == 1 and len(p.bot.heard) == 1


async def test_two_runs_at_once_store_one_reply():
    p = Pipeline(ANSWER)
    asked = await p.customer_says("how long is delivery", "m-1")
    await asyncio.gather(p.turn.run(RunBotTurn(asked)), p.turn.run(RunBotTurn(asked)))
    assert len(p.messages(Sender.BOT)) == 1


async def test_no_turn_for_a_conversation_a_person_owns_or_a_message_that_is_gone():
    p = Pipeline(ANSWER)
    asked = await p.customer_says("how long is delivery", "m-1")
    async with p.db.unit_of_work() as uow:
        conversation = await uow.chats.conversation(p.conversation().id)
        await uow.chats.transition(conversation, plan_transition(Status.BOT, Status.QUEUED, actor="agent:1",
                                                                 reason="took it"), None)
        await uow.commit()
    await p.turn.run(RunBotTurn(asked))
    await p.turn.run(RunBotTurn(asked + 1000))
    assert p.messages(Sender.BOT) == [] and p.bot.heard == []


async def test_a_takeover_while_the_bot_thinks_drops_the_reply():
    async def agent_takes_over():
        async with p.db.unit_of_work() as uow:
            conversation = await uow.chats.conversation(p.conversation().id)
            for target in (Status.QUEUED, Status.ASSIGNED):
                conversation = await uow.chats.transition(
                    conversation, plan_transition(conversation.status, target, actor="agent:1", reason="took it"),
                    None)
            await uow.commit()

    p = Pipeline(PERSON, thinking=agent_takes_over)
    asked = await p.customer_says("I want to talk to a human", "m-1")
    await p.turn.run(RunBotTurn(asked))
    assert p.messages(Sender.BOT) == [] and p.handoffs.opened == []
    assert p.conversation().status == Status.ASSIGNED and p.metrics.handoffs == []


async def test_the_bot_reads_the_conversation_as_it_stood_at_the_message():
    p = Pipeline(ANSWER)
    first = await p.customer_says("hello", "m-1")
    await p.turn.run(RunBotTurn(first))
    await p.customer_says("how long is delivery", "m-2")
    assert p.bot.heard == [("hello", ["hello"])]


async def test_messages_that_arrive_while_the_turn_waits_are_answered_together_once():
    p = Pipeline(ANSWER)
    ids = [await p.customer_says(text, f"m-{n}") for n, text in enumerate(["hi", "my parcel", "where is it?"])]
    for message_id in ids:  # the turns run in order, as the outbox runs them
        await p.turn.run(RunBotTurn(message_id))
    assert [text for text, _ in p.bot.heard] == ["hi\nmy parcel\nwhere is it?"]
    [reply] = p.messages(Sender.BOT)
    assert p.db.tables.replies == {ids[-1]: reply.id} and reply.meta["answers"] == ids


@pytest.mark.parametrize("kinds", ["".join(k) for k in itertools.product("tp", repeat=4)])
async def test_the_turns_named_superseded_are_exactly_those_that_would_answer_nothing(kinds):
    """t: typed words, p: a button press. The outbox marks the named turns done unrun, so
    naming one that would have answered something would leave the customer unanswered."""
    p = Pipeline(ANSWER)
    ids = []
    for n, kind in enumerate(kinds):
        pressed = {"payload": "helpful"} if kind == "p" else {}
        stored = await p.intake.receive(InboundMessage("web", "chat-1", "user-1", f"words {n}",
                                                       external_message_id=f"m-{n}", **pressed))
        ids.append(stored.message.id)
    named = await p.turn.superseded([RunBotTurn(i) for i in ids])
    silent = set()
    for n, message_id in enumerate(ids):
        heard = len(p.bot.heard)
        await p.turn.run(RunBotTurn(message_id))
        if len(p.bot.heard) == heard:
            silent.add(n)
    assert named == silent


async def test_a_button_press_is_answered_as_itself_not_read_into_the_words_before_it():
    p = Pipeline(ANSWER)
    typed = await p.customer_says("how long is delivery", "m-1")
    stored = await p.intake.receive(InboundMessage("web", "chat-1", "user-1", "Talk to a person",
                                                   external_message_id="m-2", payload="talk_to_person"))
    await p.turn.run(RunBotTurn(typed))
    await p.turn.run(RunBotTurn(stored.message.id))
    assert [text for text, _ in p.bot.heard] == ["how long is delivery", "Talk to a person"]
    assert all("answers" not in m.meta for m in p.messages(Sender.BOT))


async def test_words_after_the_bot_answered_start_a_new_run():
    p = Pipeline(ANSWER)
    first = await p.customer_says("hi", "m-1")
    await p.turn.run(RunBotTurn(first))
    second = await p.customer_says("where is my parcel", "m-2")
    await p.turn.run(RunBotTurn(second))
    assert [text for text, _ in p.bot.heard] == ["hi", "where is my parcel"]


async def test_a_confirmed_answer_proposes_the_customers_words_once():
    reply = BotReply("Glad it helped!", details={}, proposal={"entry_id": "delivery-en", "text": "how long is it",
                                                             "source": "helpful", "message_id": 1})
    p = Pipeline(reply)
    for n in (1, 2):
        await p.turn.run(RunBotTurn(await p.customer_says("Helpful", f"m-{n}")))
    assert list(p.db.tables.proposals) == [("delivery-en", "how long is it")]
    assert len(p.messages(Sender.BOT)) == 2


async def test_a_typing_indicator_that_fails_does_not_stop_the_answer():
    p = Pipeline(ANSWER, typing_fails=True)
    await p.turn.run(RunBotTurn(await p.customer_says("how long is delivery", "m-1")))
    assert len(p.messages(Sender.BOT)) == 1


@pytest.mark.parametrize("reply", [ANSWER, PERSON])
async def test_nothing_of_a_turn_lands_when_its_commit_loses(reply):
    p = Pipeline(reply)
    asked = await p.customer_says("question", "m-1")
    real_commit = type(p.db.unit_of_work()).commit

    async def someone_else_replied_first(uow):
        async with p.db.unit_of_work() as other:
            await other.chats.add_message(p.conversation().id, Sender.BOT, "earlier reply", None, reply_to_id=asked)
            await real_commit(other)
        await real_commit(uow)

    p.db.unit_of_work = lambda: _Patched(MemoryDatabase.unit_of_work(p.db), someone_else_replied_first)
    p.turn._uow = p.db.unit_of_work
    await p.turn.run(RunBotTurn(asked))
    assert [m.text for m in p.messages(Sender.BOT)] == ["earlier reply"]
    assert p.bus.of(QueueJoined) == [] and p.metrics.handoffs == []


class _Patched:
    def __init__(self, uow, commit):
        self._uow, self._commit = uow, commit

    async def __aenter__(self):
        await self._uow.__aenter__()
        return self

    async def __aexit__(self, *exc):
        await self._uow.__aexit__(*exc)

    def __getattr__(self, name):
        return getattr(self._uow, name)

    async def commit(self):
        await self._commit(self._uow)
