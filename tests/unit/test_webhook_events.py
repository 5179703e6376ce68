"""The events a shop's systems hear, as the domain records them on the memory store: a new
conversation, the transcript (customer, bot, agent; no system notices), the SLA's marks and
breaches; each in the transaction of its change."""
from bot.responder import BotReply
from gateway.conversations.channel_port import InboundMessage
from gateway.conversations.model import Sender
from handoff.sla import SlaSweeper
from handoff.staff import Role
from tests.desk_world import FIRST_RESPONSE_SECONDS, World


def recorded(world: World, *types: str) -> list[tuple[str, dict]]:
    return [(t, data) for t, data in world.db.tables.webhook_events if not types or t in types]


async def test_first_contact_then_the_transcript_of_customer_bot_and_agent():
    world = World()
    amy = world.staff("amy")
    conversation_id = await world.handed_off("c1", "I want to talk to a person")
    await world.desk.claim(conversation_id, amy)
    await world.desk.reply(conversation_id, amy, "Hello, Amy here.")

    created, customer = recorded(world, "conversation.created", "message.created")[:2]
    conversation = world.conversation(conversation_id)
    assert created == ("conversation.created", {"conversation_id": conversation_id, "channel": "web",
                                                "customer_id": conversation.customer_id,
                                                "created_at": created[1]["created_at"]})
    transcript = [data for t, data in recorded(world, "message.created")]
    assert [(m["sender"], m["text"]) for m in transcript] == [
        (Sender.CUSTOMER, "I want to talk to a person"), (Sender.BOT, "One moment, please."),
        (Sender.AGENT, "Hello, Amy here.")]
    assert customer[1] == transcript[0]
    stored = world.db.tables.messages
    for m in transcript:
        assert stored[m["message_id"]].text == m["text"] and m["conversation_id"] == conversation_id
        assert m["created_at"] == stored[m["message_id"]].created_at.isoformat()
    assert transcript[2]["agent_id"] == amy.user_id and "agent_id" not in transcript[0]
    # The queue notice is stored too, as a system message, and is not part of the transcript.
    assert any(m.sender == Sender.SYSTEM for m in stored.values())
    # Everything the conversation's own events tell, in the order it happened.
    assert [t for t, _ in recorded(world)] == [
        "conversation.created", "message.created", "message.created", "conversation.handed_off",
        "conversation.assigned", "message.created"]


async def test_a_correction_names_the_message_it_corrects_and_a_second_message_opens_nothing():
    world = World()
    world.bot.reply = BotReply("Noted.")
    first = await world.intake.receive(InboundMessage("web", "c1", "u1", "teh parcel", external_message_id="m-1"))
    await world.intake.receive(InboundMessage("web", "c1", "u1", "the parcel", external_message_id="m-2",
                                              edit_of="m-1"))
    assert [t for t, _ in recorded(world)] == ["conversation.created", "message.created", "message.created"]
    correction = recorded(world, "message.created")[1][1]
    assert correction["edit_of"] == first.message.id and correction["text"] == "the parcel"


async def test_sla_warnings_and_the_breach_each_once_with_their_mark():
    world = World()
    sweeper = SlaSweeper(world.db.unit_of_work, world.clock, world.bus, world.desk)
    conversation_id = await world.handed_off("c1")
    handoff = world.handoff(conversation_id)
    for _ in range(2):
        world.clock.advance(FIRST_RESPONSE_SECONDS * 0.4)
        await sweeper.sweep()
        await sweeper.sweep()
    world.clock.advance(FIRST_RESPONSE_SECONDS * 0.2)
    await sweeper.sweep()
    await sweeper.sweep()

    warnings = [data for _, data in recorded(world, "sla.warning")]
    assert [w["mark"] for w in warnings] == [0.5, 0.8]
    [(_, breach)] = recorded(world, "sla.breached")
    due = handoff.first_response_due_at.isoformat()
    for data in [*warnings, breach]:
        assert (data["conversation_id"], data["handoff_id"], data["kind"], data["first_response_due_at"],
                data["agent_id"]) == (conversation_id, handoff.id, "first_response", due, None)
    row = world.handoff(conversation_id)
    assert [w["warned_at"] for w in warnings] == [row.warned_50_at.isoformat(), row.warned_80_at.isoformat()]
    assert breach["breached_at"] == row.breached_at.isoformat()


async def test_an_overdue_complaint_clock_is_an_sla_breach_of_its_own_kind():
    world = World()
    sweeper = SlaSweeper(world.db.unit_of_work, world.clock, world.bus, world.desk)
    sue = world.staff("sue", Role.SUPERVISOR)
    conversation_id = await world.handed_off("c1", "the tea was mouldy, I want a refund", severity="ordinary")
    await world.desk.claim(conversation_id, sue)
    await world.desk.reply(conversation_id, sue, "I am sorry; a refund is on its way.")  # meets the contact clock
    world.clock.advance(25 * 3600)
    await sweeper.sweep()
    clocks = [data for _, data in recorded(world, "sla.breached") if data["kind"] == "complaint_clock"]
    [complaint_id] = world.db.tables.complaints
    assert [(c["clock"], c["conversation_id"], c["complaint_id"]) for c in clocks] == [
        ("plan", conversation_id, complaint_id)]
    assert set(clocks[0]) == {"conversation_id", "kind", "complaint_id", "clock", "due_at", "breached_at"}
