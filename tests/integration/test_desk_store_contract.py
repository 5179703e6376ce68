"""The desk's store port keeps the same promises in memory, on SQLite and on PostgreSQL."""
import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from gateway.conversations.model import Status, plan_transition
from gateway.conversations.ports import StoreConflict
from handoff.ports import ComplaintRecord

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


async def waiting(store, chat: str, priority: int = 1, minutes: int = 0):
    async with store() as uow:
        conversation = await uow.chats.open_conversation("web", chat, f"user-{chat}", None, T0)
        await uow.commit()
    return await store.queue(conversation, priority, T0 + timedelta(minutes=minutes))


async def test_the_queue_head_is_the_most_urgent_then_the_longest_waiting(pipeline_store):
    async with pipeline_store() as uow:
        assert await uow.desk.queue_head() is None
    await waiting(pipeline_store, "late", minutes=5)
    early = await waiting(pipeline_store, "early", minutes=1)
    async with pipeline_store() as uow:
        assert await uow.desk.queue_head() == early
    urgent = await waiting(pipeline_store, "complaint", priority=0, minutes=9)
    async with pipeline_store() as uow:
        assert await uow.desk.queue_head() == urgent
        await uow.chats.transition(urgent, plan_transition(Status.QUEUED, Status.ASSIGNED, actor="agent:1",
                                                           reason="claimed"), T0, assignee_id=None)
        assert await uow.desk.queue_head() == early  # taken: no longer waiting


async def test_agents_online_come_least_loaded_first_with_their_room(pipeline_store):
    amy = await pipeline_store.add_account("amy")
    bob = await pipeline_store.add_account("bob", "supervisor")
    gone = await pipeline_store.add_account("gone", active=False)
    away = await pipeline_store.add_account("away")
    async with pipeline_store() as uow:
        await uow.desk.set_presence(amy, "online", None, T0)
        for user_id, status in ((bob, "online"), (gone, "online"), (away, "away")):
            await uow.desk.set_presence(user_id, status, 3, T0 + timedelta(seconds=user_id))
        await uow.commit()
    busy = await waiting(pipeline_store, "c1")
    async with pipeline_store() as uow:
        await uow.chats.transition(busy, plan_transition(Status.QUEUED, Status.ASSIGNED, actor="agent:amy",
                                                         reason="claimed"), T0, assignee_id=amy)
        await uow.commit()
    async with pipeline_store() as uow:
        online = await uow.desk.agents_online()
    assert [(a.username, a.role, a.capacity, a.load) for a in online] == [("bob", "supervisor", 3, 0),
                                                                            ("amy", "agent", 5, 1)]


async def test_presence_keeps_its_capacity_until_one_is_given(pipeline_store):
    amy = await pipeline_store.add_account("amy")
    async with pipeline_store() as uow:
        first = await uow.desk.set_presence(amy, "online", None, T0)
        await uow.commit()
    async with pipeline_store() as uow:
        bigger = await uow.desk.set_presence(amy, "online", 8, T0)
        later = await uow.desk.set_presence(amy, "away", None, T0)
        await uow.commit()
    assert (first.capacity, bigger.capacity, later.status, later.capacity) == (5, 8, "away", 8)


async def test_accounts_read_back_with_whether_they_may_work(pipeline_store):
    amy = await pipeline_store.add_account("amy", "supervisor")
    gone = await pipeline_store.add_account("gone", active=False)
    async with pipeline_store() as uow:
        assert (await uow.desk.account(amy)).__dict__ == {"user_id": amy, "username": "amy", "role": "supervisor",
                                                          "active": True}
        assert not (await uow.desk.account(gone)).active
        assert await uow.desk.account(gone + 1000) is None


async def test_a_hand_off_is_taken_requeued_first_and_closed(pipeline_store):
    amy = await pipeline_store.add_account("amy")
    await waiting(pipeline_store, "first", minutes=0)
    later = await waiting(pipeline_store, "later", minutes=5)
    async with pipeline_store() as uow:
        await uow.desk.assign_handoff(later.id, amy, T0)
        await uow.desk.first_response(later.id, T0 + timedelta(minutes=6))
        await uow.desk.first_response(later.id, T0 + timedelta(minutes=9))  # the first one counts
        await uow.desk.requeue_first(later.id)
        await uow.commit()
    async with pipeline_store() as uow:
        assert (await uow.desk.queue_head()).id == later.id
        opened = await uow.desk.latest_handoff(later.id)
        assert opened.resolved_at is None
        await uow.desk.close_handoff(later.id, T0 + timedelta(minutes=20))
        await uow.commit()
    async with pipeline_store() as uow:
        closed = await uow.desk.latest_handoff(later.id)
        assert closed.id == opened.id and closed.resolved_at == T0 + timedelta(minutes=20)
        assert (await uow.desk.queue_head()).id != later.id
        assert await uow.desk.latest_handoff("nobody") is None


async def test_a_hand_off_is_rated_once(pipeline_store):
    conversation = await waiting(pipeline_store, "c1")
    async with pipeline_store() as uow:
        handoff = await uow.desk.latest_handoff(conversation.id)
        assert not await uow.desk.rated(handoff.id)
        await uow.desk.add_csat(conversation.id, handoff.id, 5, "quick", T0)
        await uow.commit()
    with pytest.raises(StoreConflict):
        async with pipeline_store() as uow:
            assert await uow.desk.rated(handoff.id)
            await uow.desk.add_csat(conversation.id, handoff.id, 1, None, T0)
            await uow.commit()


async def test_notes_and_guard_hits_are_kept(pipeline_store):
    amy = await pipeline_store.add_account("amy")
    conversation = await waiting(pipeline_store, "c1")
    async with pipeline_store() as uow:
        first = await uow.desk.add_note(conversation.id, amy, "prefers email", T0)
        second = await uow.desk.add_note(conversation.id, amy, "called back", T0)
        await uow.desk.add_guard_hit(conversation.id, amy, "brush_off", "not my department", False, T0)
        await uow.commit()
    assert second > first


async def opened_handoff(store, chat: str, priority: int, minutes: int):
    async with store() as uow:
        conversation = await uow.chats.open_conversation("web", chat, f"user-{chat}", None, T0)
        at = T0 + timedelta(minutes=minutes)
        conversation = await uow.chats.transition(conversation, plan_transition(
            Status.BOT, Status.QUEUED, actor="bot", reason="asked for a person"), at)
        handoff = await uow.desk.open_handoff(conversation.id, "human_request", "asked", priority, None, None, at,
                                              at + timedelta(minutes=10))
        await uow.commit()
    return conversation, handoff


async def test_an_opened_hand_off_takes_its_place_in_the_queue(pipeline_store):
    first, first_handoff = await opened_handoff(pipeline_store, "c1", priority=2, minutes=0)
    assert (first_handoff.kind, first_handoff.priority) == ("human_request", 2)
    assert first_handoff.first_response_due_at - first_handoff.queued_at == timedelta(minutes=10)
    urgent, urgent_handoff = await opened_handoff(pipeline_store, "c2", priority=0, minutes=3)
    async with pipeline_store() as uow:
        assert await uow.desk.open_handoff_of(first.id) == first_handoff
        assert await uow.desk.position(urgent_handoff) == 1
        assert await uow.desk.position(first_handoff) == 2
        assert [c.id for c in await uow.desk.waiting()] == [urgent.id, first.id]
        assert await uow.desk.typical_handle_seconds() == 300.0  # nothing handled yet: the default
        await uow.desk.close_handoff(urgent.id, T0)
        assert await uow.desk.open_handoff_of(urgent.id) is None


async def test_complaint_serials_count_per_day_and_channel_and_clocks_are_met_once(pipeline_store):
    conversation, _ = await opened_handoff(pipeline_store, "c1", priority=1, minutes=0)
    async with pipeline_store() as uow:
        serials = [await uow.desk.next_complaint_serial("20261201", "WEB") for _ in range(2)]
        other = await uow.desk.next_complaint_serial("20261201", "TG")
        await uow.desk.add_complaint(ComplaintRecord("20261201-WEB-0002", conversation.id, "product", "ordinary",
                                                     [], "refund", "open", None, [], None, "bot", T0))
        await uow.desk.add_complaint_clock("20261201-WEB-0002", "contact", T0 + timedelta(hours=2))
        await uow.commit()
    assert (serials, other) == ([1, 2], 1)
    async with pipeline_store() as uow:
        assert await uow.desk.next_complaint_serial("20261201", "WEB") == 3
        assert await uow.desk.complaint_ids(conversation.id) == ["20261201-WEB-0002"]
        assert await uow.desk.meet_clock("20261201-WEB-0002", "contact", T0)
        assert not await uow.desk.meet_clock("20261201-WEB-0002", "contact", T0)
        assert not await uow.desk.meet_clock("20261201-WEB-0002", "supervisor", T0)  # an ordinary one has none
        await uow.commit()


async def test_a_hand_offs_clock_marks_are_stamped_once_and_end_its_watch(pipeline_store):
    conversation, handoff = await opened_handoff(pipeline_store, "c1", priority=1, minutes=0)
    async with pipeline_store() as uow:
        [awaited] = await uow.desk.awaiting_first_response()
        assert (awaited.id, awaited.warned_50_at, awaited.first_response_due_at) == (
            handoff.id, None, handoff.first_response_due_at)
        assert await uow.desk.stamp_handoff(handoff.id, "warned_50", T0)
        assert not await uow.desk.stamp_handoff(handoff.id, "warned_50", T0)
        with pytest.raises(ValueError):
            await uow.desk.stamp_handoff(handoff.id, "resolved", T0)
        await uow.commit()
    async with pipeline_store() as uow:
        [awaited] = await uow.desk.awaiting_first_response()
        assert awaited.warned_50_at == T0 and awaited.warned_80_at is None
        assert await uow.desk.stamp_handoff(handoff.id, "breached", T0)
        await uow.commit()
    async with pipeline_store() as uow:
        assert await uow.desk.awaiting_first_response() == []


async def test_an_answered_hand_off_is_not_watched(pipeline_store):
    conversation, _ = await opened_handoff(pipeline_store, "c1", priority=1, minutes=0)
    async with pipeline_store() as uow:
        await uow.desk.first_response(conversation.id, T0)
        await uow.commit()
    async with pipeline_store() as uow:
        assert await uow.desk.awaiting_first_response() == []


async def test_overdue_complaint_clocks_are_breached_once_unless_met(pipeline_store):
    conversation, _ = await opened_handoff(pipeline_store, "c1", priority=1, minutes=0)
    async with pipeline_store() as uow:
        await uow.desk.add_complaint(ComplaintRecord("20261201-WEB-0001", conversation.id, "product", "ordinary",
                                                     [], "refund", "open", None, [], None, "bot", T0))
        await uow.desk.add_complaint_clock("20261201-WEB-0001", "contact", T0 + timedelta(hours=2))
        await uow.desk.add_complaint_clock("20261201-WEB-0001", "plan", T0 + timedelta(hours=24))
        await uow.commit()
    async with pipeline_store() as uow:
        assert await uow.desk.overdue_complaint_clocks(T0 + timedelta(hours=1)) == []
        assert await uow.desk.meet_clock("20261201-WEB-0001", "contact", T0 + timedelta(hours=1))
        await uow.commit()
    late = T0 + timedelta(hours=30)
    async with pipeline_store() as uow:
        [due] = await uow.desk.overdue_complaint_clocks(late)
        assert (due.complaint_id, due.conversation_id, due.kind, due.due_at) == (
            "20261201-WEB-0001", conversation.id, "plan", T0 + timedelta(hours=24))
        assert await uow.desk.breach_complaint_clock(due.id, late)
        assert not await uow.desk.breach_complaint_clock(due.id, late)
        await uow.commit()
    async with pipeline_store() as uow:
        assert await uow.desk.overdue_complaint_clocks(late) == []


async def test_presence_reads_back(pipeline_store):
    amy = await pipeline_store.add_account("amy")
    async with pipeline_store() as uow:
        assert await uow.desk.presence_of(amy) is None
        await uow.desk.set_presence(amy, "away", 3, T0)
        await uow.commit()
    async with pipeline_store() as uow:
        assert (await uow.desk.presence_of(amy)).__dict__ == {"status": "away", "capacity": 3}


async def test_a_complaint_reads_back_and_takes_what_a_person_may_change(pipeline_store):
    conversation, _ = await opened_handoff(pipeline_store, "c1", priority=1, minutes=0)
    sue = await pipeline_store.add_account("sue", "supervisor")
    opened = ComplaintRecord("20261201-WEB-0001", conversation.id, "logistics", "major", ["safety"], "apology",
                             "open", None, [1, 2], None, "bot", T0)
    async with pipeline_store() as uow:
        assert await uow.desk.complaint(opened.id) is None
        await uow.desk.add_complaint(opened)
        for hours, kind in ((1, "supervisor"), (4, "process")):
            await uow.desk.add_complaint_clock(opened.id, kind, T0 + timedelta(hours=hours))
        await uow.commit()
    closed = dataclasses.replace(opened, status="closed", owner_id=sue, root_cause="courier dropped it",
                                 closed_at=T0 + timedelta(days=1), category="product", demand="refund")
    async with pipeline_store() as uow:
        assert await uow.desk.complaint(opened.id) == opened
        await uow.desk.meet_clock(opened.id, "supervisor", T0)
        await uow.desk.update_complaint(closed)
        await uow.commit()
    async with pipeline_store() as uow:
        stored = await uow.desk.complaint(opened.id)
        clocks = await uow.desk.complaint_clocks(opened.id)
    # status, owner, root cause and closing time change; what the register recorded does not
    assert stored == dataclasses.replace(closed, category="logistics", demand="apology")
    assert [(c.kind, c.due_at, c.met_at, c.breached_at) for c in clocks] == [
        ("supervisor", T0 + timedelta(hours=1), T0, None), ("process", T0 + timedelta(hours=4), None, None)]
