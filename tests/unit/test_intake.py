"""Intake on the memory store: no database, no socket, no model."""
import asyncio

import pytest

from gateway.conversations.channel_port import Attachment, InboundMessage
from gateway.conversations.commands import DeliverMessage, RunBotTurn
from gateway.conversations.events import CustomerMessageStored
from gateway.conversations.intake import Intake
from gateway.conversations.model import MAX_TEXT_LENGTH, Sender, Status, plan_transition
from tests.memory_store import MemoryDatabase
from tests.pipeline_doubles import RecordingBus, RecordingHandoffs, SteppingClock


@pytest.fixture
def db():
    return MemoryDatabase()


@pytest.fixture
def bus():
    return RecordingBus()


@pytest.fixture
def intake(db, bus):
    return Intake(db.unit_of_work, SteppingClock(), bus, handoffs=RecordingHandoffs())


def said(text="where is my parcel?", msg_id="m-1", chat="chat-1", **extra):
    return InboundMessage(channel="web", external_chat_id=chat, external_user_id=f"user-of-{chat}", text=text,
                          external_message_id=msg_id, **extra)


def outbox(db):
    return [command for command, _ in db.tables.outbox]


async def test_a_message_is_stored_with_its_bot_turn_before_it_is_announced(db, bus, intake):
    stored = await intake.receive(said(language="en"))
    assert not stored.duplicate
    assert (stored.message.sender, stored.message.text, stored.message.client_msg_id) == (
        Sender.CUSTOMER, "where is my parcel?", "m-1")
    assert stored.message.meta == {"language": "en"}
    assert outbox(db) == [RunBotTurn(stored.message.id)]
    [event] = bus.of(CustomerMessageStored)
    assert (event.message, event.status, event.assignee_id) == (stored.message, Status.BOT, None)
    conversation = db.tables.conversations[stored.message.conversation_id]
    assert db.tables.last_message_at[conversation.id] == stored.message.created_at


async def test_a_redelivered_message_is_stored_once_and_answered_once(db, bus, intake):
    first = await intake.receive(said())
    again = await intake.receive(said(text="where is my parcel?"))
    assert again.duplicate and again.message == first.message
    assert len(db.tables.messages) == 1
    assert outbox(db) == [RunBotTurn(first.message.id)]
    assert len(bus.of(CustomerMessageStored)) == 1


async def test_a_chat_keeps_one_conversation_and_a_customer_one_identity(db, intake):
    first = await intake.receive(said(msg_id="m-1"))
    second = await intake.receive(said(msg_id="m-2"))
    assert first.message.conversation_id == second.message.conversation_id
    assert len(db.tables.conversations) == 1 and len(db.tables.identities) == 1


async def test_a_first_contact_raced_on_two_connections_ends_in_one_conversation(db, intake):
    # Both units open a conversation for a customer nobody knows yet; the second to commit
    # loses on the customer's identity, reads again, and stores into the winner's.
    a, b = await asyncio.gather(intake.receive(said(msg_id="m-1")), intake.receive(said(msg_id="m-2")))
    assert a.message.conversation_id == b.message.conversation_id
    assert len(db.tables.conversations) == 1 and len(db.tables.customers) == 1
    assert sorted(m.client_msg_id for m in db.tables.messages.values()) == ["m-1", "m-2"]


async def test_a_message_to_a_resolved_conversation_reopens_it_for_the_bot(db, intake):
    stored = await intake.receive(said(msg_id="m-1"))
    async with db.unit_of_work() as uow:
        conversation = await uow.chats.conversation(stored.message.conversation_id)
        for target in (Status.QUEUED, Status.ASSIGNED, Status.RESOLVED):
            conversation = await uow.chats.transition(
                conversation, plan_transition(conversation.status, target, actor="agent:1", reason="done"), None)
        await uow.commit()
    again = await intake.receive(said(msg_id="m-2"))
    assert again.message.conversation_id == conversation.id
    assert db.tables.conversations[conversation.id].status == Status.BOT
    assert db.tables.events[-1][1:] == (Status.RESOLVED, Status.BOT, "customer", "customer wrote again")
    assert outbox(db)[-1] == RunBotTurn(again.message.id)


async def test_an_edit_points_at_its_original_and_asks_the_bot_nothing(db, intake):
    original = await intake.receive(said(text="where is my parcle", msg_id="m-1"))
    edit = await intake.receive(said(text="where is my parcel", msg_id="m-1-edit", edit_of="m-1"))
    assert edit.message.meta["edit_of"] == original.message.id
    assert db.tables.messages[original.message.id].text == "where is my parcle"  # never overwritten
    assert outbox(db) == [RunBotTurn(original.message.id)]
    lost = await intake.receive(said(text="fixed", msg_id="m-9-edit", edit_of="m-unknown"))
    assert lost.message.meta["edit_of"] is None


@pytest.mark.parametrize("text, reason", [("", "1 to"), ("x" * (MAX_TEXT_LENGTH + 1), "1 to"), ("a\x00b", "NUL")])
async def test_bad_text_is_refused_and_nothing_is_stored(db, intake, text, reason):
    with pytest.raises(ValueError, match=reason):
        await intake.receive(said(text=text))
    assert db.tables.messages == {} and db.tables.outbox == []


async def test_a_file_without_text_is_kept_within_bounds(db, intake):
    big = Attachment(kind="document", file_id="f" * 500, size=50 * 1024 * 1024, name="scan.pdf")
    stored = await intake.receive(said(text="", attachments=(big,)))
    [kept] = stored.message.meta["attachments"]
    assert len(kept["file_id"]) == 256 and kept["too_large"] is True


async def test_a_command_answer_is_sent_once_and_leaves_the_bot_alone(db, intake):
    for _ in range(2):
        await intake.answer_command("web", "chat-1", "user-1", "Hello! Ask me anything.", key="start:7")
    [message] = db.tables.messages.values()
    assert (message.sender, message.meta) == (Sender.BOT, {"command": True})
    assert outbox(db) == [DeliverMessage("web", "chat-1", message.id)]
    assert db.tables.conversations[message.conversation_id].status == Status.BOT


async def test_a_chat_reads_only_its_own_messages(db, intake):
    mine = await intake.receive(said(chat="chat-1"))
    theirs = await intake.receive(said(chat="chat-2"))
    assert await intake.chat_message("web", "chat-1", mine.message.id) == mine.message
    assert await intake.chat_message("web", "chat-1", theirs.message.id) is None
    assert await intake.chat_owns("web", "chat-1", mine.message.conversation_id)
    assert not await intake.chat_owns("web", "chat-1", theirs.message.conversation_id)
    assert await intake.history(mine.message.conversation_id) == [mine.message]


async def test_where_a_customer_stands_comes_from_hand_off(db, intake):
    stored = await intake.receive(said())
    conversation_id = stored.message.conversation_id
    assert await intake.handoff_status(conversation_id) is None
    async with db.unit_of_work() as uow:
        conversation = await uow.chats.conversation(conversation_id)
        await uow.chats.transition(conversation, plan_transition(Status.BOT, Status.QUEUED, actor="bot",
                                                                 reason="asked for a person"), None)
        await uow.commit()
    assert (await intake.handoff_status(conversation_id)).position == 1
