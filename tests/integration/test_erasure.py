"""Erasing a customer, on SQLite and PostgreSQL: every table of the database is read back
afterwards, and none of the customer's distinctive strings may be left in any column."""
import asyncio
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import MetaData, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from gateway import audit
from gateway.privacy.customer_lookup import find_customer
from gateway.privacy.erasure import CustomerErasure, ErasureRefused
from gateway.privacy.retention import RetentionSweeper
from gateway.storage.database import create_engine, create_session_factory
from gateway.storage.tables import (AuditRecord, ChannelIdentity, Complaint, ComplaintClock, Conversation,
                                    ConversationEvent, ConversationNote, CsatResponse, Customer, Delivery, GuardHit,
                                    Handoff, Message, OutboxItem, QualityReview, QualitySample, TelegramUpdate,
                                    UnansweredHandled, User, WebhookDelivery, WebhookEndpoint)
from gateway.storage.unit_of_work import UnitOfWork
from gateway.storage.audit_log import SqlAuditLog
from gateway.storage.report_queries import ReportQueries
from handoff.reports import Period, build_report

NOW = datetime(2025, 6, 1, 12, tzinfo=timezone.utc)
NAME, PHONE, TG_USER = "Zhang Weiqiang", "13812345678", "777001234"
FILE_ID, FILE_NAME = "BQACAgIAAxkBAAIBfileidzhang", "passport-scan-weiqiang.pdf"
ZHANG = {"name": NAME, "phone": PHONE, "mail": "zhang.weiqiang@example.com", "id_card": "110101199003074578",
         "bank_card": "6222020200112233445", "visitor": "9f1c2e3d4b5a69788796a5b4c3d2e1f0",
         "root_cause": "courier left the parcel at the wrong door"}
PERSONAL = (*ZHANG.values(), TG_USER, FILE_ID, FILE_NAME)
LI_NA = {"name": "Li Na", "phone": "13900001111", "mail": "li.na@example.org", "id_card": "310101198507150021",
         "bank_card": "6217000011112222333", "visitor": "visitor-of-li-na", "root_cause": "box crushed by the van"}
OTHER = tuple(LI_NA.values())


def at(minutes: int) -> datetime:
    return NOW - timedelta(days=10) + timedelta(minutes=minutes)


async def seed_customer(session, cid: str, p: dict, telegram: str | None, agent: User,
                        endpoint: WebhookEndpoint) -> None:
    """A customer who wrote on the web and on Telegram, was handed off, complained and rated,
    and whose words went to a trusted webhook endpoint (one delivered, one still on its way)."""
    name, phone, visitor = p["name"], p["phone"], p["visitor"]
    session.add(Customer(id=cid, display_name=name, language="zh", created_at=at(0)))
    await session.flush()
    session.add(ChannelIdentity(customer_id=cid, channel="web", external_user_id=visitor, created_at=at(0)))
    chats = {f"{cid}-web": ("web", visitor)}
    if telegram:
        session.add(ChannelIdentity(customer_id=cid, channel="telegram", external_user_id=telegram, created_at=at(0)))
        chats[f"{cid}-tg"] = ("telegram", telegram)
    for conversation_id, (channel, chat) in chats.items():
        session.add(Conversation(id=conversation_id, customer_id=cid, channel=channel, external_chat_id=chat,
                                 status="resolved", created_at=at(0), updated_at=at(60), last_message_at=at(30),
                                 handed_off_at=at(2), resolved_at=at(60)))
    await session.flush()
    web = f"{cid}-web"
    texts = [("customer", f"I am {name}, phone {phone}, mail {p['mail']}"),
             ("customer", f"ID card {p['id_card']}, card {p['bank_card']}"),
             ("bot", "Let me find someone for you."),
             ("agent", f"Thanks {name}, I will call {phone}.")]
    messages = [Message(conversation_id=web, sender=s, text=t, meta={"language": "zh-CN"}, created_at=at(n))
                for n, (s, t) in enumerate(texts)]
    for conversation_id in chats:
        if conversation_id.endswith("-tg"):
            messages.append(Message(conversation_id=conversation_id, sender="customer", text="(file)", meta={
                "attachments": [{"kind": "document", "file_id": FILE_ID, "name": FILE_NAME, "size": 1200},
                                {"kind": "contact", "file_id": "", "name": f"{name} {phone}"}]}, created_at=at(5)))
    session.add_all(messages)
    await session.flush()
    handoff = Handoff(conversation_id=web, kind="complaint", reason=f"complaint from {phone}", priority=0,
                      category="logistics", severity="ordinary", queued_at=at(2), first_response_due_at=at(12),
                      first_response_at=at(3), assignee_id=agent.id, assigned_at=at(2), resolved_at=at(60))
    session.add(handoff)
    await session.flush()
    complaint_id = f"20250522-WEB-{cid[-4:]}"
    session.add_all([
        ConversationEvent(conversation_id=web, from_status="bot", to_status="queued", actor="bot",
                          reason=f"{name} asked for a person", created_at=at(2)),
        ConversationNote(conversation_id=web, author_id=agent.id, text=f"called back on {phone}", created_at=at(20)),
        CsatResponse(conversation_id=web, handoff_id=handoff.id, score=4, comment=f"thanks, {name} here",
                     created_at=at(61)),
        GuardHit(conversation_id=web, user_id=agent.id, kind="personal_data", excerpt=f"call {phone}",
                 sent_anyway=True, created_at=at(3)),
        Complaint(id=complaint_id, conversation_id=web, category="logistics", severity="ordinary",
                  severity_reasons=["large sum"], demand="refund", status="closed", owner_id=agent.id,
                  evidence_message_ids=[messages[0].id], root_cause=p["root_cause"],
                  created_by="bot", created_at=at(2), closed_at=at(59)),
        Delivery(message_id=messages[3].id, channel="web", status="failed", attempts=3,
                 last_error=f"chat {visitor} went away", external_ids=[], updated_at=at(4)),
        OutboxItem(kind="deliver_message", conversation_id=web, payload={"channel": "web", "chat_id": visitor,
                   "message_id": messages[3].id}, created_at=at(3), available_at=at(3), attempts=0, done_at=at(3)),
        OutboxItem(kind="deliver_message", conversation_id=web, payload={"channel": "web", "chat_id": visitor,
                   "message_id": messages[3].id}, created_at=at(3), available_at=at(3), attempts=1,
                   last_error=f"no room web:{visitor}"),
        UnansweredHandled(message_id=messages[0].id, action="dismissed", handled_by="editor:eve", handled_at=at(70)),
        *[WebhookDelivery(endpoint_id=endpoint.id, event_id=f"{cid}-{n}", event_type=kind, conversation_id=web,
                          body=json.dumps({"id": f"{cid}-{n}", "type": kind, "created_at": at(n).isoformat(),
                                           "data": data}, ensure_ascii=False),
                          status=status, attempts=1, created_at=at(n), next_attempt_at=at(n))
          for n, (kind, status, data) in enumerate([
              ("message.created", "delivered", {"message_id": messages[0].id, "conversation_id": web,
                                                "sender": "customer", "text": texts[0][1], "created_at": at(0).isoformat()}),
              ("csat.received", "pending", {"conversation_id": web, "score": 4, "comment": f"thanks, {name} here",
                                            "received_at": at(61).isoformat()})])],
    ])
    await session.flush()
    session.add(ComplaintClock(complaint_id=complaint_id, kind="contact", due_at=at(120), met_at=at(3)))
    sample = QualitySample(drawn_by=agent.id, drawn_at=at(90), period_from=at(0), period_to=at(100), size=1,
                           seed="s", conversation_ids=[web])
    session.add(sample)
    await session.flush()
    session.add(QualityReview(sample_id=sample.id, conversation_id=web, agent_id=agent.id, reviewer_id=agent.id,
                              courtesy=4, accuracy=5, resolved=True, forbidden_hits=1,
                              comment=f"agent read out {phone}", created_at=at(91)))
    uow = type("Uow", (), {"audit": SqlAuditLog(session)})()
    audit.record(uow, at=at(2), actor="bot", action="registered", object_type="complaint", object_id=complaint_id,
                 summary=f"ordinary logistics complaint, demand refund, on {web}", after={"status": "open"})
    audit.record(uow, at=at(59), actor="agent:ann", action="closed", object_type="complaint",
                 object_id=complaint_id, summary=f"status: open → closed, root cause: {p['root_cause']}",
                 before={"status": "open", "root_cause": None},
                 after={"status": "closed", "root_cause": p["root_cause"]})
    if telegram:
        session.add(TelegramUpdate(update_id=int(telegram) % 100000, kind="message",
                                   error=f"Forbidden: user {telegram} blocked the bot", handled_at=at(5)))


class World:
    def __init__(self, url: str):
        self.engine = create_engine(url)
        self.sessions = create_session_factory(self.engine)
        self.now = NOW
        self.erasure = CustomerErasure(self.uow, lambda: self.now)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    async def seed(self) -> None:
        async with self.sessions() as s:
            agent = User(username="ann", password_hash="x", role="agent", created_at=at(0))
            crm = WebhookEndpoint(url="https://crm.example/hook", secret="s" * 16, events=["message.created"],
                                  trusted=True, created_by="admin:ada", created_at=at(0), updated_at=at(0))
            s.add_all([agent, crm])
            await s.flush()
            await seed_customer(s, "c-zhang", ZHANG, TG_USER, agent, crm)
            await seed_customer(s, "c-lina", LI_NA, None, agent, crm)
            s.add(TelegramUpdate(update_id=1, kind="message", error="timeout talking to Telegram", handled_at=at(1)))
            await s.commit()

    async def every_cell(self) -> str:
        """Every value of every row of every table in the database, as one lower-case text."""
        async with self.engine.connect() as conn:
            metadata = MetaData()
            await conn.run_sync(metadata.reflect)
            cells = []
            for table in metadata.sorted_tables:
                for row in (await conn.execute(table.select())).all():
                    cells += [json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, (dict, list))
                              else str(v) for v in row]
        return "\n".join(cells).lower()

    async def report(self) -> dict:
        async with self.sessions() as s:
            return await build_report(ReportQueries(s), Period.parse("2025-05-01", "2025-06-01", NOW.date()), NOW)


@pytest.fixture
async def world(database_url):
    w = World(database_url)
    await w.seed()
    yield w
    await w.engine.dispose()


async def test_erasure_leaves_no_personal_data_in_any_table_and_keeps_the_figures(world):
    before = await world.report()
    assert before["summary"]["handoffs"] == 2
    seeded = await world.every_cell()
    assert [p for p in PERSONAL if p.lower() not in seeded] == []  # the check below can see them all

    result = await world.erasure.erase("c-zhang", actor="cli:operator")

    cells = await world.every_cell()
    assert [p for p in PERSONAL if p.lower() in cells] == []
    assert all(o.lower() in cells for o in OTHER)
    assert await world.report() == before
    assert result.counts["messages"] == 5 and result.counts["channel_identities"] == 2
    async with world.sessions() as s:
        other = (await s.execute(select(Message.text).join(Conversation).where(
            Conversation.customer_id == "c-lina").order_by(Message.id))).scalars().all()
        assert other[0] == "I am Li Na, phone 13900001111, mail li.na@example.org"
        kept = (await s.execute(select(Message.sender, Message.created_at).join(Conversation).where(
            Conversation.customer_id == "c-zhang").order_by(Message.id))).all()
        assert [s_ for s_, _ in kept] == ["customer", "customer", "bot", "agent", "customer"]
        [attachment_meta] = (await s.execute(select(Message.meta).where(
            Message.conversation_id == "c-zhang-tg"))).scalars().all()
        assert attachment_meta == {"attachments": [{"kind": "document"}, {"kind": "contact"}]}
        pending = (await s.execute(select(OutboxItem).where(OutboxItem.conversation_id == "c-zhang-web",
                                                             OutboxItem.done_at.is_(None)))).scalars().all()
        assert pending == []  # nothing more goes out to the erased customer
        # The shop's receiver still gets the event waiting for it, with ids and codes only.
        events = (await s.execute(select(WebhookDelivery.status, WebhookDelivery.body).where(
            WebhookDelivery.conversation_id == "c-zhang-web").order_by(WebhookDelivery.id))).all()
        assert [status for status, _ in events] == ["delivered", "pending"]
        rating = json.loads(events[1].body)
        assert rating["id"] == "c-zhang-1" and rating["data"] == {
            "conversation_id": "c-zhang-web", "score": 4, "received_at": at(61).isoformat(), "erased": True}
        [row] = (await s.execute(select(AuditRecord).where(AuditRecord.action == "erased"))).scalars().all()
    assert (row.object_type, row.object_id, row.actor) == ("customer", "c-zhang", "cli:operator")
    assert row.after["erased"]["messages"] == 5 and row.after["erased"]["webhook_deliveries"] == 2
    audit_text = f"{row.summary} {json.dumps(row.after)}".lower()
    assert not [p for p in PERSONAL if p.lower() in audit_text]


async def test_records_stay_append_only_after_erasure(world):
    await world.erasure.erase("c-zhang", actor="cli:operator")
    async with world.sessions() as s:
        erased = (await s.execute(select(Message.id).where(Message.conversation_id == "c-zhang-web"))).scalars().first()
        untouched = (await s.execute(select(Message.id).where(Message.conversation_id == "c-lina-web"))).scalars().first()
    for message_id, sql in ((erased, "UPDATE messages SET text = 'edited' WHERE id = :id"),
                            (erased, "UPDATE messages SET text = 'again', erased_at = CURRENT_TIMESTAMP WHERE id = :id"),
                            (untouched, "UPDATE messages SET text = 'edited' WHERE id = :id"),
                            (untouched, "UPDATE messages SET sender = 'bot', text = 'x', erased_at = CURRENT_TIMESTAMP "
                                        "WHERE id = :id")):
        async with world.engine.connect() as conn:
            with pytest.raises((IntegrityError, DBAPIError), match="append-only"):
                await conn.execute(text(sql), {"id": message_id})
            await conn.rollback()


async def test_erasing_again_finds_nothing_and_writes_no_second_audit_row(world):
    first = await world.erasure.erase("c-zhang", actor="cli:operator")
    again = await world.erasure.erase("c-zhang", actor="cli:operator")
    assert not first.already_erased and again.already_erased and again.counts == {}
    async with world.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "erased"))).scalar_one() == 1


async def test_an_unknown_customer_and_one_still_being_served_are_refused(world):
    with pytest.raises(ErasureRefused) as unknown:
        await world.erasure.erase("nobody", actor="cli:operator")
    assert unknown.value.status == 404 and "nobody" in unknown.value.message
    for odd in ("", "a\x00b", "x" * 33):
        with pytest.raises(ErasureRefused) as refused:
            await world.erasure.erase(odd, actor="cli:operator")
        assert refused.value.status == 404
    async with world.sessions() as s:
        await s.execute(Conversation.__table__.update().where(Conversation.id == "c-zhang-tg").values(status="queued"))
        await s.commit()
    with pytest.raises(ErasureRefused) as busy:
        await world.erasure.erase("c-zhang", actor="cli:operator")
    assert busy.value.status == 409 and "conversation with people" in busy.value.message
    assert PHONE in await world.every_cell()


async def test_the_customer_is_found_by_conversation_or_telegram_user(world):
    async with world.sessions() as s:
        by_chat = await find_customer(s, conversation_id="c-zhang-web")
        by_user = await find_customer(s, telegram_user=TG_USER)
        nobody = await find_customer(s, telegram_user="1")
    assert by_chat["id"] == by_user["id"] == "c-zhang" and nobody is None
    assert by_chat["conversations"] == {"web": 1, "telegram": 1} and by_chat["erased_at"] is None
    await world.erasure.erase("c-zhang", actor="cli:operator")
    async with world.sessions() as s:
        assert await find_customer(s, telegram_user=TG_USER) is None  # the old id finds nothing now
        assert (await find_customer(s, conversation_id="c-zhang-web"))["erased_at"] == NOW.isoformat()


async def test_retention_erases_quiet_customers_and_keeps_recent_and_open_ones(world):
    async with world.sessions() as s:
        # Li Na comes back later, on a new conversation still with the bot.
        s.add(Conversation(id="c-lina-new", customer_id="c-lina", channel="web", external_chat_id="x",
                           status="bot", created_at=NOW + timedelta(days=20), updated_at=NOW + timedelta(days=20)))
        for cid, status in (("c-open", "assigned"), ("c-complaint", "resolved")):
            s.add(Customer(id=cid, display_name=f"name of {cid}", created_at=at(0)))
            await s.flush()
            s.add(Conversation(id=f"{cid}-web", customer_id=cid, channel="web", external_chat_id=cid, status=status,
                               created_at=at(0), updated_at=at(0)))
        await s.flush()
        s.add(Complaint(id="20250522-WEB-9999", conversation_id="c-complaint-web", category="service",
                        severity="ordinary", demand="apology", status="open", created_by="bot", created_at=at(0)))
        await s.commit()
    world.now = NOW
    assert await RetentionSweeper(world.uow, lambda: world.now, days=11).sweep() == []  # everyone was active within 11 days
    world.now = NOW + timedelta(days=30)
    sweepers = [RetentionSweeper(world.uow, lambda: world.now, days=30) for _ in range(2)]
    results = await asyncio.gather(*(s.sweep() for s in sweepers))
    assert sorted(results[0] + results[1]) == ["c-zhang"]  # erased once, by whichever got there first
    async with world.sessions() as s:
        erased = dict((await s.execute(select(Customer.id, Customer.erased_at))).all())
        assert (await s.execute(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "erased", AuditRecord.actor == "retention"))).scalar_one() == 1
    assert erased == {"c-zhang": world.now, "c-lina": None, "c-open": None, "c-complaint": None}
