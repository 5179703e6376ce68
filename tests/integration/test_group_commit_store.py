"""A burst on a real database: messages that arrive together share transactions, and each is
still stored once, in order, with its bot turn, whatever else is in its batch."""
from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from gateway.bus import MessageBus
from gateway.clock import utcnow
from gateway.conversations.channel_port import InboundMessage
from gateway.conversations.intake import Intake
from gateway.conversations.model import Status, plan_transition
from gateway.storage.database import create_engine, create_session_factory
from gateway.storage.tables import Message, OutboxItem
from gateway.storage.unit_of_work import UnitOfWork
from handoff.pipeline_handoffs import PipelineHandoffs


def inbound(chat: str, text: str, client_msg_id: str | None = None) -> InboundMessage:
    return InboundMessage(channel="web", external_chat_id=chat, external_user_id=chat, text=text,
                          external_message_id=client_msg_id)


async def count(sessions, model, *where) -> int:
    async with sessions() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


async def test_a_burst_shares_commits_and_loses_nothing(database_url):
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    intake = Intake(lambda: UnitOfWork(sessions, None), utcnow, MessageBus(), handoffs=PipelineHandoffs(600))
    try:
        for chat in ("a", "b", "c"):
            await intake.open("web", chat, chat)
        first = await intake.receive(inbound("a", "earlier", "a-0"))
        async with UnitOfWork(sessions) as uow:  # c's conversation was resolved: c writing reopens it
            c = await uow.chats.latest_for_chat("web", "c")
            await uow.chats.transition(c, plan_transition(Status.BOT, Status.RESOLVED, actor="test", reason="t"),
                                       utcnow())
            await uow.commit()
        batches_before = intake.group_commit.batches

        burst = [inbound("a", "resent", "a-0"),  # stored already
                 inbound("a", "one", "a-1"), inbound("b", "two", "b-1"),
                 inbound("a", "one again", "a-1"),  # the same message twice in one batch
                 inbound("c", "back again", "c-1"), inbound("c", "and more", None),
                 inbound("new", "first contact", "n-1"),
                 # An edit of a message in the same batch points at it, as one in a later batch would.
                 InboundMessage(channel="web", external_chat_id="b", external_user_id="b", text="two, corrected",
                                external_message_id="b-1-edit", edit_of="b-1")]
        burst += [inbound(f"chat{i}", f"question {i}", f"q-{i}") for i in range(60)]
        results = await asyncio.gather(*(intake.receive(m) for m in burst))

        assert results[0].duplicate and results[0].message.id == first.message.id
        assert not results[1].duplicate and results[3].duplicate and results[3].message.id == results[1].message.id
        assert results[3].message.text == "one"
        assert all(not r.duplicate for i, r in enumerate(results) if i not in (0, 3))
        assert [r.message.text for r in results[4:6]] == ["back again", "and more"]
        assert results[7].message.meta["edit_of"] == results[2].message.id
        new = [r.message.id for i, r in enumerate(results) if i not in (0, 3)]
        assert len(set(new)) == len(new) and new == sorted(new)  # stored in the order they came
        assert intake.group_commit.batches - batches_before < len(burst) / 4  # shared, not one each
        assert await count(sessions, Message, Message.sender == "customer") == 1 + len(new)
        assert await count(sessions, OutboxItem, OutboxItem.kind == "bot_turn") == len(new)  # not for the edit
        async with UnitOfWork(sessions) as uow:
            assert (await uow.chats.latest_for_chat("web", "c")).status == Status.BOT
            assert (await uow.chats.latest_for_chat("web", "new")) is not None
    finally:
        await engine.dispose()
