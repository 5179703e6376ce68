"""Report figures on a seeded dataset, on SQLite and PostgreSQL.

The dataset is small enough that every expected figure below was worked out by hand from
the rows (the comments show the arithmetic); nothing here calls the code under test to
find out what it should say.
"""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from gateway.storage.database import create_engine, create_session_factory
from gateway.storage.tables import (Complaint, ComplaintClock, Conversation, CsatResponse, Customer, Handoff, Message,
                                    User)
from gateway.storage.report_queries import ReportQueries
from handoff.reports import Period, build_report

FIRST, LAST = "2025-03-01", "2025-03-07"
AS_OF = datetime(2025, 3, 20, tzinfo=timezone.utc)


def t(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, second, tzinfo=timezone.utc)


# conversation id: (channel, customer, created_at, senders of its messages)
CONVERSATIONS = {
    "W0": ("web", "c1", t(28, 9, month=2), ("customer",)),          # before the period
    "W1": ("web", "c1", t(1, 10), ("customer", "bot", "agent")),
    "W2": ("web", "c2", t(2, 9), ("customer", "agent")),
    "W2b": ("web", "c2", t(4, 11), ("customer", "agent")),          # c2 came back
    "W3": ("web", "c6", t(6, 21), ("customer", "bot")),             # the bot kept it
    "W4": ("web", "c6", t(7, 23), ("customer",)),                   # nobody answered: neither rate
    "W5": ("web", "c7", t(7, 12), ("system",)),                     # no customer message: left out
    "W7": ("web", "c1", t(9, 11), ("customer",)),                   # after the period
    "T1": ("telegram", "c3", t(3, 8), ("customer", "bot")),
    "T2": ("telegram", "c4", t(5, 14), ("customer", "agent")),
    "T3": ("telegram", "c5", t(6, 20), ("customer", "bot")),        # the bot kept it
}
# hand-off: (conversation, assignee, queued, first response, assigned, resolved, csat score)
HANDOFFS = {
    "H0": ("W0", "ann", t(28, 9, 1, month=2), t(28, 9, 2, month=2), t(28, 9, 2, month=2), t(28, 9, 30, month=2), 1),
    "H1": ("W1", "ann", t(1, 10, 1), t(1, 10, 3), t(1, 10, 2), t(1, 10, 20), 5),         # 120 s, met
    "H2": ("W2", "bob", t(2, 9), t(2, 9, 15), t(2, 9, 14), t(2, 9, 40), 3),               # 900 s, missed
    "H3": ("W2b", "ann", t(4, 12), t(4, 12, 5), t(4, 12, 4), t(4, 12, 30), 4),            # 300 s, met
    "H4": ("T1", None, t(3, 8), None, None, t(3, 8, 30), None),                           # never answered
    "H5": ("T2", "bob", t(5, 14), t(5, 14, 9, 30), t(5, 14, 9), t(15, 10), 4),            # 570 s, met; resolved late
    "H7": ("W7", "ann", t(9, 11), t(9, 11, 1), t(9, 11, 1), t(9, 11, 20), None),          # after the period
}
# complaint: (conversation, category, severity, created, {clock: (due, met, breached)})
COMPLAINTS = {
    "20250228-WEB-0001": ("W0", "product", "ordinary", t(28, 9, month=2),
                          {"contact": (t(28, 11, month=2), None, t(28, 11, month=2))}),
    "20250301-WEB-0001": ("W1", "logistics", "ordinary", t(1, 10, 1),
                          {"contact": (t(1, 12, 1), None, None),                     # due passed, unmet: missed
                           "plan": (t(2, 10, 1), t(2, 9), None)}),                     # met on time
    "20250302-WEB-0001": ("W2", "service", "ordinary", t(2, 9),
                          {"contact": (t(2, 11), t(2, 9, 15), None),                   # met on time
                           "plan": (t(3, 9), t(3, 10), t(3, 9))}),                     # met late
    "20250303-TG-0001": ("T1", "product", "major", t(3, 8),
                         {"supervisor": (t(3, 9), t(3, 8, 30), None),                 # met
                          "process": (t(3, 12), None, t(3, 12)),                      # breached
                          "update": (t(4, 8), t(4, 7), None)}),                       # met
}


async def seed(session) -> dict[str, int]:
    """Inserts the dataset; returns the agents' user ids."""
    users = {name: User(username=name, password_hash="x", role="agent", created_at=t(1, 0, month=1))
             for name in ("ann", "bob")}
    session.add_all(users.values())
    session.add_all(Customer(id=c, created_at=t(1, 0, month=1)) for c in {v[1] for v in CONVERSATIONS.values()})
    await session.flush()
    for cid, (channel, customer, created, senders) in CONVERSATIONS.items():
        session.add(Conversation(id=cid, customer_id=customer, channel=channel, external_chat_id=cid, status="resolved",
                                 created_at=created, updated_at=created))
    await session.flush()
    for cid, (_, _, created, senders) in CONVERSATIONS.items():
        for n, sender in enumerate(senders):
            session.add(Message(conversation_id=cid, sender=sender, text=f"{sender} {n}",
                                created_at=created + timedelta(seconds=n)))
    handoffs = {}
    for hid, (cid, who, queued, first, assigned, resolved, _) in HANDOFFS.items():
        handoffs[hid] = Handoff(conversation_id=cid, kind="human_request", reason="test", priority=2, queued_at=queued,
                                first_response_due_at=queued + timedelta(minutes=10), first_response_at=first,
                                assignee_id=users[who].id if who else None, assigned_at=assigned, resolved_at=resolved,
                                breached_at=None if first and first <= queued + timedelta(minutes=10)
                                else queued + timedelta(minutes=10))
    session.add_all(handoffs.values())
    await session.flush()
    for hid, (cid, *_, score) in HANDOFFS.items():
        if score is not None:
            session.add(CsatResponse(conversation_id=cid, handoff_id=handoffs[hid].id, score=score,
                                     created_at=HANDOFFS[hid][5] + timedelta(minutes=1)))
    for kid, (cid, category, severity, created, clocks) in COMPLAINTS.items():
        session.add(Complaint(id=kid, conversation_id=cid, category=category, severity=severity, demand="other",
                              status="open", created_by="bot", created_at=created))
    await session.flush()
    for kid, (*_, clocks) in COMPLAINTS.items():
        for kind, (due, met, breached) in clocks.items():
            session.add(ComplaintClock(complaint_id=kid, kind=kind, due_at=due, met_at=met, breached_at=breached))
    await session.commit()
    return {name: user.id for name, user in users.items()}


@pytest.fixture
async def seeded(database_url):
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        ids = await seed(session)
    yield sessions, ids
    await engine.dispose()


async def report(sessions, as_of=AS_OF, first=FIRST, last=LAST):
    async with sessions() as session:
        return await build_report(ReportQueries(session), Period.parse(first, last, as_of.date()), as_of)


def by(rows, key):
    return {row[key]: row for row in rows}


async def test_the_headline_figures(seeded):
    r = await report(seeded[0])
    s = r["summary"]
    # In the period: H1 H2 H3 H4 H5 (H0 before, H7 after).
    assert s["handoffs"] == 5 and s["answered"] == 4
    # Response times 120, 300, 570, 900: nearest-rank median is the 2nd, p90 the 4th.
    assert (s["frt_median_seconds"], s["frt_p90_seconds"]) == (300, 900)
    # Buckets <1, 1-2, 2-5, 5-10, 10-20, 20-30, 30-60, 60+ min: 120 s, 300 s + 570 s, 900 s.
    assert s["frt_histogram"] == [0, 0, 1, 2, 1, 0, 0, 0]
    # Met: H1 H3 H5; missed: H2 (late) and H4 (never answered, deadline long past).
    assert (s["sla_met"], s["sla_decided"]) == (3, 5) and s["sla_compliance"] == pytest.approx(0.6)
    # FCR decided: H1 H2 H3 H4 (H5's window closes 03-22, after AS_OF). H2 fails: c2 was handed
    # off again (H3) two days later. H1 holds: c1's next hand-off (H7) came after 7 days.
    assert (s["fcr_first_time"], s["fcr_decided"]) == (3, 4) and s["fcr"] == pytest.approx(0.75)
    # Ratings 5, 3, 4, 4 (H0's 1 is outside): three are 4 or 5.
    assert (s["csat_satisfied"], s["csat_responses"]) == (3, 4) and s["csat"] == pytest.approx(0.75)
    # Conversations created in the period with a customer message: W1 W2 W2b W3 W4 T1 T2 T3 = 8;
    # handed off W1 W2 W2b T1 T2 = 5; bot kept W3 T3 = 2 (W4 nobody answered; W5 no customer).
    assert (s["conversations"], s["handed_off"], s["bot_contained"]) == (8, 5, 2)
    assert s["handoff_rate"] == pytest.approx(5 / 8) and s["containment"] == pytest.approx(2 / 8)
    # Handle time from assignment to resolve: 18 min, 26 min, 26 min and H5's 9 d 19 h 51 min.
    assert s["aht_seconds"] == pytest.approx((1080 + 1560 + 1560 + 849060) / 4)
    observed = r["observed"]
    assert observed["hours"] == 168 and observed["arrivals_per_hour"] == pytest.approx(5 / 168)
    assert observed["peak_hour_arrivals"] == 1


async def test_per_channel(seeded):
    channels = by((await report(seeded[0]))["by_channel"], "channel")
    assert list(channels) == ["web", "telegram"]
    web, tg = channels["web"], channels["telegram"]
    # web: H1 120 s, H2 900 s, H3 300 s.
    assert (web["handoffs"], web["frt_median_seconds"], web["frt_p90_seconds"]) == (3, 300, 900)
    assert (web["sla_met"], web["sla_decided"], web["fcr_first_time"], web["fcr_decided"]) == (2, 3, 2, 3)
    assert (web["csat_satisfied"], web["csat_responses"]) == (2, 3)
    assert (web["conversations"], web["handed_off"], web["bot_contained"]) == (5, 3, 1)
    # telegram: H4 unanswered, H5 570 s.
    assert (tg["handoffs"], tg["answered"], tg["frt_median_seconds"], tg["frt_p90_seconds"]) == (2, 1, 570, 570)
    assert (tg["sla_met"], tg["sla_decided"], tg["fcr_first_time"], tg["fcr_decided"]) == (1, 2, 1, 1)
    assert (tg["csat_satisfied"], tg["csat_responses"]) == (1, 1)
    assert (tg["conversations"], tg["handed_off"], tg["bot_contained"]) == (3, 2, 1)
    assert tg["handoff_rate"] == pytest.approx(2 / 3) and tg["containment"] == pytest.approx(1 / 3)


async def test_per_agent(seeded):
    sessions, ids = seeded
    agents = by((await report(sessions))["by_agent"], "agent")
    assert set(agents) == {"ann", "bob", "(unassigned)"}
    ann, bob, nobody = agents["ann"], agents["bob"], agents["(unassigned)"]
    assert ann["agent_id"] == ids["ann"] and nobody["agent_id"] is None
    # ann: H1 120 s, H3 300 s, both met, neither came back, rated 5 and 4.
    assert (ann["handoffs"], ann["frt_median_seconds"], ann["frt_p90_seconds"]) == (2, 120, 300)
    assert (ann["sla_compliance"], ann["fcr"], ann["csat"]) == (1.0, 1.0, 1.0)
    # bob: H2 900 s missed and came back, rated 3; H5 570 s met, FCR not decided yet, rated 4.
    assert (bob["handoffs"], bob["frt_median_seconds"], bob["frt_p90_seconds"]) == (2, 570, 900)
    assert (bob["sla_met"], bob["sla_decided"], bob["fcr_first_time"], bob["fcr_decided"]) == (1, 2, 0, 1)
    assert bob["csat"] == pytest.approx(0.5)
    assert (nobody["handoffs"], nobody["answered"], nobody["sla_compliance"], nobody["csat"]) == (1, 0, 0.0, None)


async def test_complaints_and_their_clocks(seeded):
    r = await report(seeded[0])
    # The 02-28 complaint is outside. Met on time / decided per complaint: logistics 1/2
    # (contact missed, plan met), product major 2/3 (process breached), service 1/2 (plan late).
    assert r["complaints"] == [
        {"category": "logistics", "severity": "ordinary", "complaints": 1, "clocks": 2, "clocks_met": 1,
         "clocks_decided": 2, "clock_compliance": 0.5},
        {"category": "product", "severity": "major", "complaints": 1, "clocks": 3, "clocks_met": 2,
         "clocks_decided": 3, "clock_compliance": pytest.approx(2 / 3)},
        {"category": "service", "severity": "ordinary", "complaints": 1, "clocks": 2, "clocks_met": 1,
         "clocks_decided": 2, "clock_compliance": 0.5},
    ]
    clocks = {c["clock"]: (c["clocks_met"], c["clocks_decided"]) for c in r["complaint_clocks"]}
    assert clocks == {"contact": (1, 2), "plan": (1, 2), "process": (0, 1), "supervisor": (1, 1), "update": (1, 1)}


async def test_running_clocks_and_open_windows_are_not_counted_yet(seeded):
    """Seen from 03-01 10:05: H1 was answered at 10:03 (met); nothing is resolved-and-matured;
    the logistics complaint's contact clock (due 12:01) still runs."""
    sessions, _ = seeded
    async with sessions() as session:
        # Only rows that exist by then matter for this view: H1 and its complaint.
        now = t(1, 10, 5)
        r = await build_report(ReportQueries(session), Period.parse("2025-03-01", "2025-03-01", now.date()), now)
    s = r["summary"]
    assert (s["handoffs"], s["sla_met"], s["sla_decided"], s["fcr_decided"]) == (1, 1, 1, 0)
    clocks = {c["clock"]: (c["clocks_met"], c["clocks_decided"]) for c in r["complaint_clocks"]}
    assert clocks["contact"] == (0, 0)
    assert r["observed"]["hours"] == pytest.approx(10 + 5 / 60)  # only the hours that have passed


async def test_an_empty_period_has_no_figures_rather_than_zeros(seeded):
    r = await report(seeded[0], first="2024-01-01", last="2024-01-31")
    s = r["summary"]
    assert s["handoffs"] == 0 and s["frt_median_seconds"] is None and s["sla_compliance"] is None
    assert s["fcr"] is None and s["csat"] is None and s["handoff_rate"] is None
    assert r["complaints"] == [] and r["by_agent"] == []
    assert [c["channel"] for c in r["by_channel"]] == ["web", "telegram"]


async def test_the_seed_is_what_the_comments_say(seeded):
    """Guards the hand arithmetic above against a typo in the seed."""
    sessions, _ = seeded
    async with sessions() as session:
        rows = (await session.execute(select(Handoff.queued_at, Handoff.first_response_at)
                                      .where(Handoff.first_response_at.is_not(None)))).all()
    spans = sorted((f - q).total_seconds() for q, f in rows)
    assert spans == [60, 60, 120, 300, 570, 900]  # H0 and H7 answered after a minute


async def test_response_times_and_load_count_service_hours_only(seeded):
    """With Sundays closed (03-02 is a Sunday), H2's quarter of an hour that morning is no
    delay of the desk's, and the week has 6 × 13 service hours, not 168."""
    from handoff.service_hours import ServiceHours

    hours = ServiceHours.parse("mon-sat 09:00-22:00; sun closed", "UTC")
    async with seeded[0]() as session:
        r = await build_report(ReportQueries(session), Period.parse(FIRST, LAST, AS_OF.date()), AS_OF, hours)
    s = r["summary"]
    # Response times 0 (H2), 120, 300, 570: the 2nd and the 4th.
    assert (s["frt_median_seconds"], s["frt_p90_seconds"]) == (120, 570)
    assert s["frt_histogram"] == [1, 0, 1, 2, 0, 0, 0, 0]
    assert (s["sla_met"], s["sla_decided"]) == (3, 5)  # the stored deadlines decide, as before
    assert r["observed"]["hours"] == 78 and r["observed"]["arrivals_per_hour"] == pytest.approx(5 / 78)
    # H2 (Sunday, closed) and H4 (Monday 08:00) are both work for Monday 09:00: the busiest hour.
    assert r["observed"]["peak_hour_arrivals"] == 2
