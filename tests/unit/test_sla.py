"""The SLA sweeper on the memory store: warnings, the breach and complaint clocks fall due
once each, from what is stored; no database, no timer."""
import pytest

from gateway.conversations.model import Status
from handoff.events import ComplaintClockBreached, QueueChanged, SlaBreach, SlaWarning
from handoff.sla import SlaSweeper
from handoff.staff import Role
from tests.desk_world import FIRST_RESPONSE_SECONDS, World


@pytest.fixture
def world():
    return World()


@pytest.fixture
def sweeper(world):
    return SlaSweeper(world.db.unit_of_work, world.clock, world.bus, world.desk)


def kinds(events):
    return [(type(e).__name__, getattr(e, "percent", None)) for e in events]


async def test_warnings_at_half_and_four_fifths_then_the_breach_each_once(world, sweeper):
    amy = world.staff("amy")
    conversation_id = await world.handed_off("c1")
    await world.desk.set_presence(amy, "online")  # assigned at once
    assert await sweeper.sweep() == []
    world.clock.advance(FIRST_RESPONSE_SECONDS * 0.5)
    [half] = await sweeper.sweep()
    assert (type(half), half.percent, half.assignee_id) == (SlaWarning, 50, amy.user_id)
    world.clock.advance(FIRST_RESPONSE_SECONDS * 0.3)
    assert kinds(await sweeper.sweep()) == [("SlaWarning", 80)]
    assert await sweeper.sweep() == []
    world.clock.advance(FIRST_RESPONSE_SECONDS * 0.2)
    [breach] = await sweeper.sweep()
    assert (type(breach), breach.conversation_id, breach.reassigned) == (SlaBreach, conversation_id, False)
    assert await sweeper.sweep() == []  # stamped: a second sweeper or a restart repeats nothing
    assert world.conversation(conversation_id).assignee_id == amy.user_id  # amy is online: she keeps it


async def test_a_late_sweep_gives_every_mark_it_missed_at_once(world, sweeper):
    await world.handed_off("c1")
    world.clock.advance(FIRST_RESPONSE_SECONDS + 1)
    # The warnings' own windows have passed, so only the breach is told.
    assert kinds(await sweeper.sweep()) == [("SlaBreach", None)]


async def test_a_first_response_stops_the_clock(world, sweeper):
    amy = world.staff("amy")
    conversation_id = await world.handed_off("c1")
    await world.desk.claim(conversation_id, amy)
    await world.desk.reply(conversation_id, amy, "Hello, I am looking at it now.")
    world.clock.advance(FIRST_RESPONSE_SECONDS * 2)
    assert await sweeper.sweep() == []


async def test_a_breach_while_the_assignee_is_away_puts_it_back_at_the_front_of_the_queue(world, sweeper):
    amy = world.staff("amy")
    earlier = await world.handed_off("c0")
    conversation_id = await world.handed_off("c1")
    await world.desk.set_presence(amy, "online", capacity=2)
    await world.desk.set_presence(amy, "away")
    world.clock.advance(FIRST_RESPONSE_SECONDS + 1)
    events = await sweeper.sweep()
    assert sorted(e.reassigned for e in events if isinstance(e, SlaBreach)) == [True, True]
    assert world.conversation(conversation_id).status == Status.QUEUED
    assert world.conversation(conversation_id).assignee_id is None
    assert world.bus.of(QueueChanged)[-1].why == "reassigned at breach"
    async with world.db.unit_of_work() as uow:
        assert {c.id for c in await uow.desk.waiting()} == {earlier, conversation_id}
        assert all(h.priority == 0 for h in uow.work.handoffs.values())


async def test_an_overdue_complaint_clock_is_breached_once_and_a_met_one_never(world, sweeper):
    sue = world.staff("sue", Role.SUPERVISOR)
    ordinary = await world.handed_off("c1", "the tea was mouldy, I want a refund", severity="ordinary")
    await world.desk.claim(ordinary, sue)
    await world.desk.reply(ordinary, sue, "I am sorry; a refund is on its way.")  # meets the contact clock
    world.clock.advance(25 * 3600)
    events = await sweeper.sweep()
    assert [(e.kind, e.conversation_id) for e in events if isinstance(e, ComplaintClockBreached)] == [
        ("plan", ordinary)]
    assert not [e for e in await sweeper.sweep() if isinstance(e, ComplaintClockBreached)]
