"""The pipeline's store ports keep the same promises in memory, on SQLite and on PostgreSQL.

The unit tests of Intake and the bot turn run on the memory store; these cases are what
make that stand for the databases too.
"""
from datetime import datetime, timedelta, timezone

import pytest

from gateway.conversations.model import ConcurrentUpdate, Sender, Status, plan_transition
from gateway.conversations.ports import StoreConflict

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


async def opened(new_unit, chat="chat-1", user="user-1", channel="web", at=T0):
    async with new_unit() as uow:
        conversation = await uow.chats.open_conversation(channel, chat, user, "Ada", at)
        await uow.commit()
    return conversation


async def test_first_contact_opens_a_conversation_the_chat_finds_again(pipeline_store):
    first = await opened(pipeline_store)
    assert (first.status, first.version, first.channel, first.external_chat_id) == (Status.BOT, 1, "web", "chat-1")
    async with pipeline_store() as uow:
        assert await uow.chats.latest_for_chat("web", "chat-1") == first
        assert await uow.chats.conversation(first.id) == first
        assert await uow.chats.latest_for_chat("web", "chat-2") is None
        assert await uow.chats.latest_for_chat("telegram", "chat-1") is None
    second = await opened(pipeline_store, chat="chat-2")
    assert second.customer_id == first.customer_id  # the same person on a second chat
    other = await opened(pipeline_store, chat="chat-3", user="user-2")
    assert other.customer_id != first.customer_id


async def test_messages_come_back_as_stored_and_in_order(pipeline_store):
    conversation = await opened(pipeline_store)
    async with pipeline_store() as uow:
        asked = await uow.chats.add_message(conversation.id, Sender.CUSTOMER, "where is my parcel?", T0,
                                            client_msg_id="c-1", meta={"language": "en"})
        answered = await uow.chats.add_message(conversation.id, Sender.BOT, "on its way", T0 + timedelta(seconds=1),
                                               reply_to_id=asked.id, meta={"quick_replies": ["Helpful"]})
        await uow.commit()
    assert answered.id > asked.id
    assert (asked.sender, asked.text, asked.client_msg_id, asked.meta) == (
        "customer", "where is my parcel?", "c-1", {"language": "en"})
    assert answered.quick_replies == ("Helpful",)
    async with pipeline_store() as uow:
        assert await uow.chats.message(asked.id) == asked
        assert await uow.chats.message_by_client_id(conversation.id, "c-1") == asked
        assert [m.id for m in await uow.chats.history(conversation.id)] == [asked.id, answered.id]
        assert [m.id for m in await uow.chats.history(conversation.id, up_to=asked.id)] == [asked.id]
        assert await uow.chats.history(conversation.id, last=1) == [answered]
        assert await uow.chats.bot_replied_to(asked.id)
        assert not await uow.chats.bot_replied_to(answered.id)
        assert await uow.chats.message(answered.id + 1000) is None


async def test_what_a_unit_does_not_commit_is_gone(pipeline_store):
    conversation = await opened(pipeline_store)
    async with pipeline_store() as uow:
        await uow.chats.add_message(conversation.id, Sender.CUSTOMER, "lost", T0, client_msg_id="c-1")
        await uow.chats.transition(conversation, plan_transition(Status.BOT, Status.QUEUED, actor="bot",
                                                                 reason="asked for a person"), T0)
        await uow.deliveries.record_delivery(1, "web", "sending", T0)
    async with pipeline_store() as uow:
        assert await uow.chats.history(conversation.id) == []
        assert await uow.chats.conversation(conversation.id) == conversation


async def test_a_unit_sees_its_own_writes_and_not_another_units_before_it_commits(pipeline_store):
    conversation = await opened(pipeline_store)
    async with pipeline_store() as writer:
        mine = await writer.chats.add_message(conversation.id, Sender.CUSTOMER, "hi", T0, client_msg_id="c-1")
        assert await writer.chats.message(mine.id) == mine
        async with pipeline_store() as reader:
            assert await reader.chats.message_by_client_id(conversation.id, "c-1") is None
        await writer.commit()
    async with pipeline_store() as reader:
        assert await reader.chats.message_by_client_id(conversation.id, "c-1") == mine


async def test_a_client_message_id_is_stored_once_per_conversation(pipeline_store):
    conversation = await opened(pipeline_store)
    async with pipeline_store() as uow:
        await uow.chats.add_message(conversation.id, Sender.CUSTOMER, "hi", T0, client_msg_id="c-1")
        await uow.commit()
    with pytest.raises(StoreConflict):
        async with pipeline_store() as uow:
            await uow.chats.add_message(conversation.id, Sender.CUSTOMER, "hi again", T0, client_msg_id="c-1")
            await uow.commit()
    elsewhere = await opened(pipeline_store, chat="chat-2")
    async with pipeline_store() as uow:  # ids are the client's: another chat may use the same
        await uow.chats.add_message(elsewhere.id, Sender.CUSTOMER, "hi", T0, client_msg_id="c-1")
        await uow.commit()
    async with pipeline_store() as uow:
        assert [m.text for m in await uow.chats.history(conversation.id)] == ["hi"]


async def test_a_message_gets_one_bot_reply(pipeline_store):
    conversation = await opened(pipeline_store)
    async with pipeline_store() as uow:
        asked = await uow.chats.add_message(conversation.id, Sender.CUSTOMER, "hi", T0)
        await uow.chats.add_message(conversation.id, Sender.BOT, "hello", T0, reply_to_id=asked.id)
        await uow.commit()
    with pytest.raises(StoreConflict):
        async with pipeline_store() as uow:
            await uow.chats.add_message(conversation.id, Sender.BOT, "hello twice", T0, reply_to_id=asked.id)
            await uow.commit()
    async with pipeline_store() as uow:
        assert [m.text for m in await uow.chats.history(conversation.id)] == ["hi", "hello"]


async def test_a_status_change_checks_the_version_it_read(pipeline_store):
    conversation = await opened(pipeline_store)
    to_queue = plan_transition(Status.BOT, Status.QUEUED, actor="bot", reason="asked for a person")
    async with pipeline_store() as uow:
        queued = await uow.chats.transition(conversation, to_queue, T0, handed_off_at=T0)
        await uow.commit()
    assert (queued.status, queued.version) == (Status.QUEUED, 2)
    with pytest.raises(ConcurrentUpdate):  # read before the hand-off: stale
        async with pipeline_store() as uow:
            await uow.chats.touch(conversation, T0)
            await uow.commit()
    async with pipeline_store() as uow:
        touched = await uow.chats.touch(queued, T0)
        await uow.commit()
    assert (touched.status, touched.version) == (Status.QUEUED, 3)
    async with pipeline_store() as uow:
        assert await uow.chats.conversation(conversation.id) == touched


async def test_a_stale_write_loses_to_one_committed_after_it_was_read(pipeline_store):
    conversation = await opened(pipeline_store)
    async with pipeline_store() as uow:
        read = await uow.chats.conversation(conversation.id)
    async with pipeline_store() as uow:
        await uow.chats.touch(conversation, T0)
        await uow.commit()
    with pytest.raises(ConcurrentUpdate):
        async with pipeline_store() as uow:
            await uow.chats.transition(read, plan_transition(Status.BOT, Status.RESOLVED, actor="system",
                                                             reason="idle"), T0)
            await uow.commit()


async def test_an_edit_finds_its_original_in_any_conversation_of_the_chat(pipeline_store):
    first = await opened(pipeline_store)
    async with pipeline_store() as uow:
        original = await uow.chats.add_message(first.id, Sender.CUSTOMER, "teh parcel", T0, client_msg_id="t-7")
        resolved = await uow.chats.transition(first, plan_transition(Status.BOT, Status.RESOLVED, actor="system",
                                                                     reason="idle"), T0)
        await uow.commit()
    assert resolved.status == Status.RESOLVED
    later = await opened(pipeline_store, at=T0 + timedelta(hours=1))
    other_chat = await opened(pipeline_store, chat="chat-9")
    async with pipeline_store() as uow:
        await uow.chats.add_message(other_chat.id, Sender.CUSTOMER, "not this", T0, client_msg_id="t-8")
        assert (await uow.chats.latest_for_chat("web", "chat-1")).id == later.id
        assert await uow.chats.message_in_chat("web", "chat-1", "t-7") == original
        assert await uow.chats.message_in_chat("web", "chat-1", "t-8") is None


async def test_deliveries_keep_their_attempts(pipeline_store):
    conversation = await opened(pipeline_store)
    async with pipeline_store() as uow:
        reply = await uow.chats.add_message(conversation.id, Sender.BOT, "hello", T0)
        assert await uow.deliveries.delivery(reply.id) is None
        await uow.deliveries.record_delivery(reply.id, "web", "retrying", T0, attempts=2, error="timed out")
        await uow.commit()
    async with pipeline_store() as uow:
        sent = await uow.deliveries.record_delivery(reply.id, "web", "sent", T0, external_ids=["9"])
        await uow.commit()
    assert (sent.status, sent.attempts) == ("sent", 2)
    async with pipeline_store() as uow:
        assert await uow.deliveries.delivery(reply.id) == sent


async def test_the_same_words_are_proposed_once_for_an_entry(pipeline_store):
    conversation = await opened(pipeline_store)
    async with pipeline_store() as uow:
        assert await uow.proposals.propose_alternate("returns-en", "can i send it back", "helpful",
                                                     conversation.id, None, T0)
        await uow.commit()
    async with pipeline_store() as uow:
        assert not await uow.proposals.propose_alternate("returns-en", "can i send it back", "clarify",
                                                         conversation.id, None, T0)
        assert await uow.proposals.propose_alternate("refunds-en", "can i send it back", "clarify",
                                                     conversation.id, None, T0)
        await uow.commit()
