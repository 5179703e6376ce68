"""The audit trail on a real database: complaint and role changes write rows in the same
transaction; the read merges them with knowledge-base versions and status events."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from gateway import audit
from gateway.clock import utcnow
from gateway.storage.database import create_engine, create_session_factory
from gateway.storage.tables import AuditRecord, Conversation, ConversationEvent, Customer, KbEntryVersion
from gateway.storage.unit_of_work import UnitOfWork
from handoff.accounts import AccountError, Accounts
from handoff.complaints import ComplaintRegister
from handoff.errors import InvalidRequest

PASSWORD = "correct horse battery"


class World:
    def __init__(self, url):
        self.engine = create_engine(url)
        self.sessions = create_session_factory(self.engine)
        self.accounts = Accounts(self.uow, utcnow)
        self.complaints = ComplaintRegister(self.uow, utcnow)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, None)

    async def rows(self, **where):
        async with self.sessions() as s:
            return list((await s.execute(select(AuditRecord).filter_by(**where).order_by(AuditRecord.id))).scalars())

    async def read(self, **query):
        async with self.uow() as uow:
            return await audit.read(uow, audit.AuditQuery(**query))


@pytest.fixture
async def world(database_url):
    w = World(database_url)
    yield w
    await w.engine.dispose()


async def a_conversation(world, cid="conv-1", at=None):
    at = at or utcnow()
    async with world.sessions() as s:
        s.add(Customer(id="cu-1", created_at=at))
        await s.flush()
        s.add(Conversation(id=cid, customer_id="cu-1", channel="web", external_chat_id="v1", status="assigned",
                           version=1, created_at=at, updated_at=at))
        await s.flush()
        s.add(ConversationEvent(conversation_id=cid, from_status="queued", to_status="assigned", actor="agent:amy",
                                reason="assigned to amy", created_at=at))
        await s.commit()


async def test_complaint_changes_are_audited_with_before_and_after(world):
    amy = await world.accounts.add_user("amy", "agent", PASSWORD)
    sue = await world.accounts.add_user("sue", "supervisor", PASSWORD)
    await a_conversation(world)
    opened = await world.complaints.open(amy, "conv-1", "product", "ordinary", "refund", [])
    await world.complaints.update(sue, opened["id"], status="in_progress", owner_id=sue.user_id)
    await world.complaints.update(amy, opened["id"], clock_met="contact")
    with pytest.raises(InvalidRequest, match="root cause"):  # refused: nothing changes, so nothing is logged
        await world.complaints.update(sue, opened["id"], status="closed")
    await world.complaints.update(sue, opened["id"], status="closed", root_cause="mouldy batch from one supplier")

    rows = await world.rows(object_type="complaint")
    assert [(r.action, r.actor) for r in rows] == [("registered", "agent:amy"), ("updated", "supervisor:sue"),
                                                   ("updated", "agent:amy"), ("closed", "supervisor:sue")]
    assert all(r.object_id == opened["id"] for r in rows)
    assert rows[0].after["status"] == "open" and rows[0].after["owner_id"] == amy.user_id
    assert rows[1].before == {"status": "open", "owner_id": amy.user_id}
    assert rows[1].after == {"status": "in_progress", "owner_id": sue.user_id}
    assert rows[2].after == {"clock_met": "contact"}
    assert rows[3].before == {"status": "in_progress", "root_cause": None}
    assert rows[3].after == {"status": "closed", "root_cause": "mouldy batch from one supplier"}
    assert "in_progress → closed" in rows[3].summary


async def test_accounts_and_role_changes_are_audited(world):
    root = await world.accounts.add_user("root", "admin", PASSWORD, actor="cli:ops")
    amy = await world.accounts.add_user("amy", "agent", PASSWORD)
    changed = await world.accounts.set_role(amy.user_id, "supervisor", root)
    assert changed == {"id": amy.user_id, "username": "amy", "role": "supervisor", "previous_role": "agent"}
    await world.accounts.set_role(amy.user_id, "supervisor", root)  # no change, no row
    with pytest.raises(AccountError):
        await world.accounts.set_role(root.user_id, "agent", root)  # nobody demotes themselves
    with pytest.raises(AccountError):
        await world.accounts.set_role(amy.user_id, "owner", root)
    with pytest.raises(LookupError):
        await world.accounts.set_role(999, "agent", root)

    rows = await world.rows(object_type="user")
    assert [(r.action, r.actor, r.object_id) for r in rows] == [
        ("created", "cli:ops", str(root.user_id)), ("created", "system", str(amy.user_id)),
        ("role_changed", "admin:root", str(amy.user_id))]
    assert (rows[2].before, rows[2].after) == ({"role": "agent"}, {"role": "supervisor"})
    assert (await world.accounts.principal((await world.accounts.login("amy", PASSWORD))[0])).role == "supervisor"


async def test_the_read_merges_kb_versions_status_events_and_the_log_newest_first(world):
    t = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
    await a_conversation(world, at=t + timedelta(minutes=1))
    async with world.sessions() as s:
        s.add(KbEntryVersion(entry_id="shipping-fee", version=2, action="edit", author="editor:eve",
                             snapshot={"question": "How much is shipping?", "status": "published"},
                             created_at=t + timedelta(minutes=2)))
        s.add(AuditRecord(at=t, actor="admin:root", action="role_changed", object_type="user", object_id="7",
                          summary="amy: agent → supervisor", before={"role": "agent"}, after={"role": "supervisor"}))
        s.add(AuditRecord(at=t + timedelta(minutes=3), actor="agent:amy", action="registered",
                          object_type="complaint", object_id="20261120-WEB-0001", summary="ordinary product"))
        await s.commit()

    rows = await world.read()
    assert [(r["type"], r["actor"]) for r in rows] == [
        ("complaint", "agent:amy"), ("kb", "editor:eve"), ("conversation", "agent:amy"), ("user", "admin:root")]
    assert rows[1]["action"] == "edit" and rows[1]["object_id"] == "shipping-fee" and rows[1]["after"]["version"] == 2
    assert rows[2]["before"] == {"status": "queued"} and rows[2]["after"] == {"status": "assigned"}

    assert [r["type"] for r in await world.read(type="kb")] == ["kb"]
    assert [r["type"] for r in await world.read(actor="AMY")] == ["complaint", "conversation"]
    assert [r["type"] for r in await world.read(actor="%")] == []  # a wildcard is a literal character
    assert [r["type"] for r in await world.read(start=t + timedelta(minutes=1), end=t + timedelta(minutes=3))] == [
        "kb", "conversation"]
    assert len(await world.read(limit=2)) == 2


async def test_audit_rows_cannot_be_changed(world):
    await world.accounts.add_user("amy", "agent", PASSWORD)
    with pytest.raises(DBAPIError):
        async with world.sessions() as s:
            await s.execute(text("UPDATE audit_log SET actor = 'nobody'"))
            await s.commit()
