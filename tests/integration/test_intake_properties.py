"""Intake over generated customer messages on a real database: whatever a customer may send
(1 to 4,096 characters of any script) is stored and read back exactly, and a resend with the
same client_msg_id is recognised as the same message, not stored twice."""
from __future__ import annotations

import asyncio
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from gateway.bus import MessageBus
from gateway.conversations.channel_port import InboundMessage
from gateway.clock import utcnow
from gateway.conversations.intake import Intake
from gateway.conversations.model import MAX_TEXT_LENGTH
from gateway.storage.database import create_engine, create_session_factory
from gateway.storage.tables import Message
from gateway.storage.unit_of_work import UnitOfWork
from handoff.pipeline_handoffs import PipelineHandoffs

# Surrogates cannot be encoded as UTF-8 by any channel, so no customer can send one; NUL is
# refused by contract (the last test below).
TEXTS = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1,
                max_size=MAX_TEXT_LENGTH) | st.text(
    st.sampled_from("运费😀\u2028\r\n\t '\"\\%_"), min_size=1, max_size=40)
CLIENT_IDS = st.from_regex(r"[A-Za-z0-9._:-]{1,90}", fullmatch=True)
EXAMPLES = 50  # each one is three transactions on the database


class Pipeline:
    def __init__(self, url: str):
        self.engine = create_engine(url)
        self.sessions = create_session_factory(self.engine)
        self.intake = Intake(lambda: UnitOfWork(self.sessions, None), utcnow, MessageBus(),
                             handoffs=PipelineHandoffs(600))

    async def count(self, conversation_id: str, client_msg_id: str) -> int:
        async with self.sessions() as s:
            return await s.scalar(select(func.count()).select_from(Message).where(
                Message.conversation_id == conversation_id, Message.client_msg_id == client_msg_id))


@pytest.fixture
async def pipeline(database_url):
    p = Pipeline(database_url)
    yield p
    await p.engine.dispose()


def inbound(chat: str, text: str, client_msg_id: str) -> InboundMessage:
    return InboundMessage(channel="web", external_chat_id=chat, external_user_id=chat, text=text,
                          external_message_id=client_msg_id)


async def test_customer_texts_are_stored_exactly_once(pipeline):
    loop = asyncio.get_running_loop()
    numbers = itertools.count()
    ran = []

    def on_loop(coro):
        # The engine belongs to the test's event loop; Hypothesis drives from a worker thread.
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=60)

    @settings(max_examples=EXAMPLES, deadline=None)
    @given(text=TEXTS, resent_text=TEXTS, client_id=CLIENT_IDS)
    def stored_once(text, resent_text, client_id):
        n = next(numbers)
        chat, client_msg_id = f"prop-{n}", f"{n}-{client_id}"
        first = on_loop(pipeline.intake.receive(inbound(chat, text, client_msg_id)))
        assert not first.duplicate
        assert first.message.text == text and first.message.client_msg_id == client_msg_id
        history = on_loop(pipeline.intake.history(first.message.conversation_id))
        assert [(m.id, m.text) for m in history] == [(first.message.id, text)]
        # A resend (the widget retries with the same id) may even carry other text: the first wins.
        again = on_loop(pipeline.intake.receive(inbound(chat, resent_text, client_msg_id)))
        assert again.duplicate and again.message.id == first.message.id and again.message.text == text
        assert on_loop(pipeline.count(first.message.conversation_id, client_msg_id)) == 1
        ran.append(n)

    await asyncio.to_thread(stored_once)
    assert len(ran) >= EXAMPLES


@pytest.mark.parametrize("text", ["", "x" * (MAX_TEXT_LENGTH + 1), "a\x00b"])
async def test_texts_outside_the_contract_are_refused_before_anything_is_stored(pipeline, text):
    with pytest.raises(ValueError):
        await pipeline.intake.receive(inbound("refused", text, "r-1"))
    async with pipeline.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Message)) == 0
