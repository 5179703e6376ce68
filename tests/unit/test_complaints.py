"""The complaint register on the memory store: people open complaints on evidence, meet their
clocks, take them on and close them with a root cause; every change is audited."""
import pytest

from handoff.complaints import ComplaintRegister
from handoff.errors import InvalidRequest, NotFound, WrongState
from handoff.staff import Role
from tests.desk_world import World


@pytest.fixture
def world():
    return World()


@pytest.fixture
def register(world):
    return ComplaintRegister(world.db.unit_of_work, world.clock)


async def test_a_person_opens_a_complaint_on_the_conversations_own_messages(world, register):
    amy = world.staff("amy")
    conversation_id = await world.handed_off("c1", "the kettle leaks")
    other = await world.handed_off("c2")
    own = [m.id for m in world.db.tables.messages.values() if m.conversation_id == conversation_id]
    opened = await register.open(amy, conversation_id, "product", "major", "exchange", own[:1])
    assert (opened["severity"], opened["owner_id"], opened["status"], opened["evidence_message_ids"]) == (
        "major", amy.user_id, "open", own[:1])
    assert [c["kind"] for c in opened["clocks"]] == ["supervisor", "process", "update"]
    assert world.db.tables.audit[-1].actor == "agent:amy"
    theirs = [m.id for m in world.db.tables.messages.values() if m.conversation_id == other]
    with pytest.raises(InvalidRequest, match="evidence"):
        await register.open(amy, conversation_id, "product", "major", "exchange", theirs[:1])
    with pytest.raises(InvalidRequest):
        await register.open(amy, conversation_id, "weather", "major", "exchange", [])
    with pytest.raises(NotFound):
        await register.open(amy, "nope", "product", "major", "exchange", [])


async def test_updates_are_checked_audited_with_what_changed_and_stop_once_closed(world, register):
    amy, sue = world.staff("amy"), world.staff("sue", Role.SUPERVISOR)
    gone = world.staff("gone", active=False)
    await world.handed_off("c1", "the tea was mouldy, refund please", severity="ordinary")
    [complaint_id] = world.db.tables.complaint_records
    with pytest.raises(InvalidRequest, match="no 'supervisor' clock"):
        await register.update(amy, complaint_id, clock_met="supervisor")
    with pytest.raises(InvalidRequest, match="active account"):
        await register.update(sue, complaint_id, owner_id=gone.user_id)
    met = await register.update(amy, complaint_id, clock_met="contact")
    assert [c["met_at"] is not None for c in met["clocks"]] == [True, False]
    taken = await register.update(sue, complaint_id, status="in_progress", owner_id=sue.user_id)
    assert (taken["status"], taken["owner_id"]) == ("in_progress", sue.user_id)
    with pytest.raises(InvalidRequest, match="root cause"):
        await register.update(sue, complaint_id, status="closed", root_cause="  ")
    closed = await register.update(sue, complaint_id, status="closed", root_cause=" a damp warehouse ")
    assert (closed["status"], closed["root_cause"]) == ("closed", "a damp warehouse")
    with pytest.raises(WrongState):
        await register.update(sue, complaint_id, status="open")
    trail = [(e.action, e.before, e.after) for e in world.db.tables.audit if e.object_id == complaint_id]
    assert trail[1:] == [
        ("updated", {}, {"clock_met": "contact"}),
        ("updated", {"status": "open", "owner_id": None}, {"status": "in_progress", "owner_id": sue.user_id}),
        ("closed", {"status": "in_progress", "root_cause": None}, {"status": "closed", "root_cause": "a damp warehouse"})]
    assert world.db.tables.complaint_records[complaint_id].closed_at is not None
