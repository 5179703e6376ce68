"""Quality review on a real database (SQLite, and PostgreSQL where reachable): the random draw,
the checklist with the reply guard's count, and the per-agent figures."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gateway.clock import utcnow
from gateway.storage.database import create_engine, create_session_factory
from gateway.storage.tables import Conversation, Customer, GuardHit, Handoff
from gateway.storage.unit_of_work import UnitOfWork
from handoff.accounts import Accounts
from handoff.errors import InvalidRequest
from handoff.quality import Checklist, QualityReviews, draw_ids

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


class World:
    def __init__(self, url):
        self.engine = create_engine(url)
        self.sessions = create_session_factory(self.engine)
        self.accounts = Accounts(self.uow, utcnow)
        self.quality = QualityReviews(self.uow, utcnow)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, None)

    async def conversation(self, cid, status, resolved_at=None, agent_id=None, hits=(), channel="web"):
        """A conversation as the desk leaves it, inserted directly: the draw reads only stored state."""
        async with self.sessions() as s:
            s.add(Customer(id=f"cu-{cid}", created_at=T0))
            await s.flush()
            s.add(Conversation(id=cid, customer_id=f"cu-{cid}", channel=channel, external_chat_id=cid, status=status,
                               version=1, created_at=T0, updated_at=T0, resolved_at=resolved_at))
            await s.flush()
            s.add(Handoff(conversation_id=cid, kind="human_request", reason="asked", priority=2, queued_at=T0,
                          first_response_due_at=T0 + timedelta(minutes=10), assignee_id=agent_id,
                          resolved_at=resolved_at))
            for user_id, sent in hits:
                s.add(GuardHit(conversation_id=cid, user_id=user_id, kind="brush_off", excerpt="不知道",
                               sent_anyway=sent, created_at=T0))
            await s.commit()


@pytest.fixture
async def world(database_url):
    w = World(database_url)
    yield w
    await w.engine.dispose()


async def people(world):
    sue = await world.accounts.add_user("sue", "supervisor", "correct horse battery")
    amy = await world.accounts.add_user("amy", "agent", "correct horse battery")
    bob = await world.accounts.add_user("bob", "agent", "correct horse battery")
    return sue, amy, bob


async def test_the_sample_holds_only_conversations_resolved_in_the_period_and_redraws_from_its_seed(world):
    sue, amy, _ = await people(world)
    inside = [f"in-{n:02d}" for n in range(12)]
    for n, cid in enumerate(inside):
        await world.conversation(cid, "resolved", T0 + timedelta(hours=n), amy.user_id)
    await world.conversation("early", "resolved", T0 - timedelta(seconds=1), amy.user_id)
    await world.conversation("late", "resolved", T0 + timedelta(days=1), amy.user_id)  # the end is exclusive
    await world.conversation("queued", "queued", None, None)
    await world.conversation("reopened", "bot", None, amy.user_id)  # resolved once, then the customer wrote again

    first = await world.quality.draw(sue, T0, T0 + timedelta(days=1), 5, seed="audit-2026-11")
    assert first["population"] == 12 and first["seed"] == "audit-2026-11"
    assert len(first["conversation_ids"]) == 5 and set(first["conversation_ids"]) <= set(inside)
    again = await world.quality.draw(sue, T0, T0 + timedelta(days=1), 5, seed="audit-2026-11")
    assert again["conversation_ids"] == first["conversation_ids"]  # reproducible from the stored seed
    assert draw_ids(list(reversed(inside)), 5, "audit-2026-11") == first["conversation_ids"]  # order-independent
    other = await world.quality.draw(sue, T0, T0 + timedelta(days=1), 5, seed="another")
    assert other["conversation_ids"] != first["conversation_ids"]

    everything = await world.quality.draw(sue, T0, T0 + timedelta(days=1), 50)
    assert sorted(everything["conversation_ids"]) == inside  # a sample larger than the period holds all of it
    assert len(everything["seed"]) == 16  # no seed given: one is made up and recorded
    stored = await world.quality.sample(first["id"])
    assert stored["seed"] == "audit-2026-11" and [i["conversation_id"] for i in stored["items"]] == first["conversation_ids"]
    assert {i["agent"] for i in stored["items"]} == {"amy"}

    with pytest.raises(InvalidRequest):
        await world.quality.draw(sue, T0, T0, 5)


async def test_per_agent_figures_match_the_reviews_and_the_guard_count_is_prefilled(world):
    sue, amy, bob = await people(world)
    at = T0 + timedelta(hours=1)
    # amy sent one flagged reply and fixed another; bob's conversation has a hit of amy's (an
    # earlier assignee), which is not bob's.
    await world.conversation("c-a1", "resolved", at, amy.user_id, hits=[(amy.user_id, False), (amy.user_id, True)])
    await world.conversation("c-a2", "resolved", at, amy.user_id)
    await world.conversation("c-a3", "resolved", at, amy.user_id)
    await world.conversation("c-b1", "resolved", at, bob.user_id, hits=[(amy.user_id, True)])
    await world.conversation("c-b2", "resolved", at, bob.user_id)
    sample = await world.quality.draw(sue, T0, T0 + timedelta(days=1), 5, seed="s")
    items = {i["conversation_id"]: i for i in (await world.quality.sample(sample["id"]))["items"]}
    assert (items["c-a1"]["forbidden_hits"], items["c-a1"]["guard_warnings"]) == (1, 2)
    assert items["c-b1"]["forbidden_hits"] == 0

    scored = [("c-a1", Checklist(2, 3, False)),  # hits omitted: the guard's count (1) is used
              ("c-a2", Checklist(5, 4, True, 0, "kind and exact")),
              ("c-a3", Checklist(4, 4, True, 2)),
              ("c-b1", Checklist(3, 5, True)),
              ("c-b2", Checklist(1, 1, False, 3)),
              ("c-b2", Checklist(4, 2, True, 1, "second look"))]  # a re-review: a new row, which counts
    saved = [await world.quality.review(sue, cid, c, sample["id"]) for cid, c in scored]
    assert saved[0]["forbidden_hits"] == 1 and saved[0]["agent"] == "amy" and saved[0]["reviewer"] == "sue"
    assert saved[3]["forbidden_hits"] == 0

    # The figures, computed here from what was saved: the newest review of each conversation.
    newest = {}
    for row in saved:
        newest[row["conversation_id"]] = row
    expected = {}
    for name in ("amy", "bob"):
        mine = [r for r in newest.values() if r["agent"] == name]
        expected[name] = {"reviewed": len(mine),
                          "mean_courtesy": round(sum(r["courtesy"] for r in mine) / len(mine), 4),
                          "mean_accuracy": round(sum(r["accuracy"] for r in mine) / len(mine), 4),
                          "resolved_rate": round(sum(r["resolved"] for r in mine) / len(mine), 4),
                          "forbidden_hits": sum(r["forbidden_hits"] for r in mine)}
    report = {r["agent"]: {k: r[k] for k in expected["amy"]} for r in await world.quality.report()}
    assert report == expected
    assert report["amy"] == {"reviewed": 3, "mean_courtesy": 3.6667, "mean_accuracy": 3.6667,
                             "resolved_rate": 0.6667, "forbidden_hits": 3}
    assert report["bob"] == {"reviewed": 2, "mean_courtesy": 3.5, "mean_accuracy": 3.5, "resolved_rate": 1.0,
                             "forbidden_hits": 1}

    async with world.sessions() as s:
        assert len((await s.execute(text("SELECT id FROM quality_reviews"))).all()) == 6  # both c-b2 rows kept
    with pytest.raises(InvalidRequest):
        await world.quality.review(sue, "c-a1", Checklist(6, 3, True))
    await world.conversation("outside", "resolved", at, amy.user_id)
    with pytest.raises(InvalidRequest):
        await world.quality.review(sue, "outside", Checklist(3, 3, True), sample["id"])


async def test_a_review_cannot_be_changed(world):
    sue, amy, _ = await people(world)
    await world.conversation("c-1", "resolved", T0, amy.user_id)
    await world.quality.review(sue, "c-1", Checklist(4, 4, True))
    with pytest.raises(DBAPIError):
        async with world.sessions() as s:
            await s.execute(text("UPDATE quality_reviews SET courtesy = 5"))
            await s.commit()
