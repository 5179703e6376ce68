"""The desk on the memory store: conversations reach it through the real intake and bot turn,
with a scripted bot; no database, no socket, no model."""
import asyncio

import pytest

from gateway.conversations.commands import DeliverMessage, RequestCsat, SendHandoffStatus
from gateway.conversations.model import ConcurrentUpdate, Sender, Status
from handoff.errors import InvalidRequest, NotFound, NotYours, WrongState
from handoff.events import ConversationAssigned, QueueChanged, StaffMessage
from handoff.staff import Role
from tests.desk_world import World


@pytest.fixture
def world():
    return World()


async def test_a_claim_assigns_the_conversation_and_tells_the_customer_who(world):
    amy = world.staff("amy")
    conversation_id = await world.handed_off("c1")
    await world.desk.claim(conversation_id, amy)
    conversation = world.conversation(conversation_id)
    assert (conversation.status, conversation.assignee_id) == (Status.ASSIGNED, amy.user_id)
    assert world.handoff(conversation_id).assignee_id == amy.user_id
    assert world.issued(SendHandoffStatus)[-1].status == {"state": "assigned", "agent_name": "amy"}
    assert world.bus.of(ConversationAssigned)[-1].agent_id == amy.user_id
    assert world.bus.of(QueueChanged)


async def test_only_a_waiting_conversation_can_be_claimed(world):
    amy, bob = world.staff("amy"), world.staff("bob")
    conversation_id = await world.handed_off("c1")
    await world.desk.claim(conversation_id, amy)
    with pytest.raises(WrongState):
        await world.desk.claim(conversation_id, bob)
    with pytest.raises(NotFound):
        await world.desk.claim("nope", bob)


async def test_two_agents_claiming_at_once_one_wins(world):
    amy, bob = world.staff("amy"), world.staff("bob")
    conversation_id = await world.handed_off("c1")
    outcomes = await asyncio.gather(world.desk.claim(conversation_id, amy), world.desk.claim(conversation_id, bob),
                                    return_exceptions=True)
    assert sum(o is None for o in outcomes) == 1
    [lost] = [o for o in outcomes if o is not None]
    assert isinstance(lost, (ConcurrentUpdate, WrongState))
    winner = amy if outcomes[0] is None else bob
    assert world.conversation(conversation_id).assignee_id == winner.user_id
    assert [e.agent_id for e in world.bus.of(ConversationAssigned)] == [winner.user_id]


async def test_a_hand_off_opened_by_the_bot_registers_its_complaint_with_the_policy_clocks(world):
    ordinary = await world.handed_off("c1", "this kettle leaks, I want my money back", severity="ordinary")
    major = await world.handed_off("c2", "the charger caught fire", severity="major")
    registered = {c.conversation_id: c for c in world.db.tables.complaint_records.values()}
    assert (registered[ordinary].severity, registered[ordinary].demand) == ("ordinary", "refund")
    assert registered[ordinary].id.endswith("-WEB-0001") and registered[major].id.endswith("-WEB-0002")
    assert sorted(k for c, k in world.db.tables.clocks if c == registered[major].id) == ["process", "supervisor",
                                                                                          "update"]
    assert [e.action for e in world.db.tables.audit] == ["registered", "registered"]
    assert [world.handoff(c).kind for c in (ordinary, major)] == ["complaint", "major_complaint"]
    async with world.db.unit_of_work() as uow:  # the major one is first in the queue
        assert (await uow.desk.queue_head()).id == major


async def test_a_reply_goes_out_stops_the_first_response_clock_once_and_meets_complaint_clocks(world):
    amy, sue = world.staff("amy"), world.staff("sue", Role.SUPERVISOR)
    ordinary = await world.handed_off("c1", "this kettle leaks, I want my money back", severity="ordinary")
    major = await world.handed_off("c2", "the charger caught fire", severity="major")
    [(ordinary_id, _)] = [(c, k) for c, k in world.db.tables.clocks if k == "contact"]
    [(major_id, _)] = [(c, k) for c, k in world.db.tables.clocks if k == "supervisor"]
    await world.desk.claim(ordinary, amy)
    first = await world.desk.reply(ordinary, amy, "  I am sorry, let me look at your order.  ")
    assert first.sent["text"] == "I am sorry, let me look at your order." and first.warnings == ()
    answered_at = world.handoff(ordinary).first_response_at
    assert answered_at is not None
    assert world.db.tables.clocks[(ordinary_id, "contact")].met_at is not None
    await world.desk.reply(ordinary, amy, "Found it: a new kettle leaves today.")
    assert world.handoff(ordinary).first_response_at == answered_at  # the first reply stopped the clock
    await world.desk.claim(major, amy)
    await world.desk.reply(major, amy, "I am sorry, I am calling my supervisor.")
    assert world.db.tables.clocks[(major_id, "supervisor")].met_at is None  # an agent's reply is not the supervisor's
    await world.desk.reply(major, sue, "I am the supervisor on duty and I will follow this up.")
    assert world.db.tables.clocks[(major_id, "supervisor")].met_at is not None
    sent = world.issued(DeliverMessage)[-2:]
    assert [world.db.tables.messages[d.message_id].sender for d in sent] == [Sender.AGENT, Sender.AGENT]
    assert [e.message.text for e in world.bus.of(StaffMessage)][0] == "I am sorry, let me look at your order."


async def test_only_the_owner_or_a_supervisor_replies(world):
    amy, bob, sue = world.staff("amy"), world.staff("bob"), world.staff("sue", Role.SUPERVISOR)
    conversation_id = await world.handed_off("c1")
    with pytest.raises(WrongState):  # nobody has claimed it yet
        await world.desk.reply(conversation_id, amy, "hello")
    await world.desk.claim(conversation_id, amy)
    with pytest.raises(NotYours):
        await world.desk.reply(conversation_id, bob, "hello")
    assert (await world.desk.reply(conversation_id, sue, "hello")).sent is not None


@pytest.mark.parametrize("text", ["", "   ", "x" * 16001])
async def test_an_empty_or_overlong_reply_is_refused(world, text):
    amy = world.staff("amy")
    conversation_id = await world.handed_off("c1")
    await world.desk.claim(conversation_id, amy)
    with pytest.raises(InvalidRequest):
        await world.desk.reply(conversation_id, amy, text)


async def test_a_forbidden_reply_waits_for_confirmation_and_every_hit_is_kept(world):
    amy = world.staff("amy")
    conversation_id = await world.handed_off("c1")
    await world.desk.claim(conversation_id, amy)
    held = await world.desk.reply(conversation_id, amy, "Not my department.")
    assert held.sent is None and [w.kind for w in held.warnings] == ["brush_off"]
    assert [m.sender for m in world.db.tables.messages.values()].count(Sender.AGENT) == 0
    confirmed = await world.desk.reply(conversation_id, amy, "Not my department.", confirm=True)
    assert confirmed.sent is not None
    assert [(kind, anyway) for _, _, kind, anyway in world.db.tables.guard_hits] == [
        ("brush_off", False), ("brush_off", True)]


async def test_a_transfer_goes_to_an_active_agent_or_back_to_the_front_of_the_queue(world):
    amy, bob = world.staff("amy"), world.staff("bob")
    ed, gone = world.staff("ed", Role.EDITOR), world.staff("gone", active=False)
    earlier = await world.handed_off("c0")
    conversation_id = await world.handed_off("c1")
    await world.desk.claim(conversation_id, amy)
    for target in (ed.user_id, gone.user_id, 999):
        with pytest.raises(InvalidRequest):
            await world.desk.transfer(conversation_id, amy, target)
    await world.desk.transfer(conversation_id, amy, bob.user_id)
    assert world.conversation(conversation_id).assignee_id == bob.user_id
    assert world.issued(SendHandoffStatus)[-1].status == {"state": "assigned", "agent_name": "bob"}
    with pytest.raises(NotYours):
        await world.desk.transfer(conversation_id, amy, amy.user_id)
    await world.desk.transfer(conversation_id, bob, None)
    assert world.conversation(conversation_id).status == Status.QUEUED
    async with world.db.unit_of_work() as uow:  # ahead of the one that waited longer
        assert (await uow.desk.queue_head()).id == conversation_id != earlier


async def test_resolving_closes_the_hand_off_and_asks_for_a_rating_in_the_customers_language(world):
    amy, sue = world.staff("amy"), world.staff("sue", Role.SUPERVISOR)
    conversation_id = await world.handed_off("c1", "我要找人工客服")
    waiting = await world.handed_off("c2")
    with pytest.raises(WrongState):  # an agent claims before resolving
        await world.desk.resolve(waiting, amy)
    await world.desk.resolve(waiting, sue)  # a supervisor may close one straight from the queue
    await world.desk.claim(conversation_id, amy)
    await world.desk.resolve(conversation_id, amy)
    assert world.conversation(conversation_id).status == Status.RESOLVED
    assert world.handoff(conversation_id).resolved_at is not None
    ask = world.db.tables.messages[world.issued(DeliverMessage)[-1].message_id]
    assert ask.meta == {"csat_request": True} and any("\u4e00" <= ch <= "\u9fff" for ch in ask.text)
    assert world.issued(RequestCsat)[-1].chat_id == "c1"
    assert world.issued(SendHandoffStatus)[-1].status == {"state": "resolved"}
    with pytest.raises(WrongState):
        await world.desk.resolve(conversation_id, amy)


async def test_a_conversation_is_rated_once_and_only_after_it_is_resolved(world):
    amy = world.staff("amy")
    conversation_id = await world.handed_off("c1")
    with pytest.raises(WrongState, match="nothing to rate"):
        await world.desk.record_csat(conversation_id, 5, None)
    await world.desk.claim(conversation_id, amy)
    await world.desk.resolve(conversation_id, amy)
    outcomes = await asyncio.gather(world.desk.record_csat(conversation_id, 5, "quick"),
                                    world.desk.record_csat(conversation_id, 1, None), return_exceptions=True)
    assert sorted(type(o).__name__ for o in outcomes) == ["NoneType", "WrongState"]
    assert list(world.db.tables.ratings.values()) == [(5, "quick")]
    with pytest.raises(WrongState, match="rated already"):
        await world.desk.record_csat(conversation_id, 4, None)


async def test_going_online_takes_the_queue_by_priority_to_the_least_loaded_agent_with_room(world):
    amy, bob = world.staff("amy"), world.staff("bob")
    ed = world.staff("ed", Role.EDITOR)
    person = await world.handed_off("c1")
    complaint = await world.handed_off("c2", "the parcel arrived broken", severity="ordinary")
    await world.desk.set_presence(ed, "online")  # editors do not take conversations
    assert world.conversation(person).status == Status.QUEUED
    assert await world.desk.set_presence(amy, "online", capacity=1) == {"status": "online", "capacity": 1}
    assert world.conversation(complaint).assignee_id == amy.user_id  # the complaint first
    assert world.conversation(person).status == Status.QUEUED  # amy is full
    assert await world.desk.set_presence(bob, "online") == {"status": "online", "capacity": 5}
    assert world.conversation(person).assignee_id == bob.user_id
    assert await world.desk.set_presence(bob, "away") == {"status": "away", "capacity": 5}


@pytest.mark.parametrize("status, capacity", [("busy", None), ("online", 0), ("online", 51)])
async def test_presence_is_checked(world, status, capacity):
    with pytest.raises(InvalidRequest):
        await world.desk.set_presence(world.staff("amy"), status, capacity)


async def test_a_note_is_kept_for_staff_only(world):
    amy = world.staff("amy")
    conversation_id = await world.handed_off("c1")
    note = await world.desk.note(conversation_id, amy, " customer prefers email ")
    assert (note["author"], note["text"]) == ("amy", "customer prefers email")
    assert [n[1:] for n in world.db.tables.notes] == [(conversation_id, amy.user_id, "customer prefers email")]
    assert not any(m.text == "customer prefers email" for m in world.db.tables.messages.values())
    with pytest.raises(NotFound):
        await world.desk.note("nope", amy, "x")
