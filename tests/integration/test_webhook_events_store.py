"""Webhook events on a real database: recording is free while nobody listens, one endpoints read
per unit of work when somebody does, written with the transaction or not at all, and a process
that has not heard of a change sees it within the TTL, never writing for an endpoint that is gone."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import event, func, select

from gateway.storage.database import create_engine, create_session_factory
from gateway.storage.tables import WebhookDelivery
from gateway.storage.unit_of_work import UnitOfWork
from gateway.storage.webhook_subscriptions import TTL_SECONDS, WebhookSubscriptions
from handoff.webhook_endpoints import EndpointFields

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
SECRET = "whsec-0123456789abcdef"


class EndpointReads:
    """Counts the statements that read webhook_endpoints."""

    def __init__(self, engine):
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM webhook_endpoints" in statement:
            self.count += 1


async def add_endpoint(sessions, events: tuple[str, ...], trusted: bool = False) -> int:
    async with UnitOfWork(sessions) as uow:
        endpoint = await uow.webhooks.add(EndpointFields("https://crm.example/hook", events, trusted), SECRET, "ada", T0)
        await uow.commit()
    return endpoint.id


async def record(sessions, events: list[tuple[str, dict]], *, commit: bool = True) -> None:
    async with UnitOfWork(sessions) as uow:
        for event_type, data in events:
            await uow.webhook_events.record(event_type, data, T0)
        if commit:
            await uow.commit()


async def deliveries(sessions) -> list[WebhookDelivery]:
    async with sessions() as s:
        return list((await s.execute(select(WebhookDelivery).order_by(WebhookDelivery.id))).scalars())


def messages(n: int, text: str = "hi") -> list[tuple[str, dict]]:
    return [("message.created", {"message_id": i, "text": text}) for i in range(n)]


async def test_nobody_listening_costs_a_look_now_and_then_and_a_listener_one_read_per_unit(database_url):
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    reads = EndpointReads(engine)
    try:
        await record(sessions, messages(3))
        assert reads.count == 1  # the process had not looked yet
        await record(sessions, messages(200))
        assert reads.count == 1 and await deliveries(sessions) == []

        endpoint_id = await add_endpoint(sessions, ("message.created",))  # this process forgets at the commit
        reads.count = 0
        await record(sessions, [("conversation.created", {"conversation_id": "c1"}),
                                *messages(50, "call me on 13812345678")])
        assert reads.count == 1
        stored = await deliveries(sessions)
        assert [json.loads(d.body)["data"]["message_id"] for d in stored] == list(range(50))
        assert {(d.endpoint_id, d.event_type, d.status) for d in stored} == {(endpoint_id, "message.created", "pending")}
        assert "13812345678" not in stored[0].body  # not trusted: masked

        await record(sessions, messages(5), commit=False)  # rolled back: its events with it
        assert len(await deliveries(sessions)) == 50
        await record(sessions, [("csat.received", {"score": 5})])  # a type nobody wants: not even a read
        assert reads.count == 2 and len(await deliveries(sessions)) == 50
    finally:
        await engine.dispose()


async def test_another_process_hears_of_a_new_endpoint_within_the_ttl_and_of_a_deleted_one_at_once(database_url):
    engine, other_engine = create_engine(database_url), create_engine(database_url)
    sessions, other = create_session_factory(engine), create_session_factory(other_engine)
    now = [0.0]
    other.webhook_subscriptions = WebhookSubscriptions(clock=lambda: now[0])
    try:
        await record(other, messages(1))  # it looked: nobody listens
        endpoint_id = await add_endpoint(sessions, ("message.created",), trusted=True)
        await record(other, messages(1))
        assert await deliveries(sessions) == []  # it has not looked again yet
        now[0] += TTL_SECONDS
        await record(other, messages(1, "call me on 13812345678"))
        [delivered] = await deliveries(sessions)
        assert delivered.endpoint_id == endpoint_id and "13812345678" in delivered.body  # trusted: as stored

        async with UnitOfWork(sessions) as uow:
            await uow.webhooks.remove(endpoint_id)
            await uow.commit()
        # The other process still believes someone listens: it reads the endpoints in its own
        # transaction, finds none, and writes nothing (a row for the gone endpoint would fail its commit).
        await record(other, messages(3))
        assert await deliveries(sessions) == []
        async with sessions() as s:
            assert await s.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    finally:
        await engine.dispose()
        await other_engine.dispose()


async def test_trust_withdrawn_masks_what_still_waits_and_heads_are_each_endpoints_oldest(database_url):
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    try:
        crm = await add_endpoint(sessions, ("message.created",), trusted=True)
        other = await add_endpoint(sessions, ("message.created",))
        await record(sessions, messages(3, "call me on 13812345678"))
        async with UnitOfWork(sessions) as uow:
            first = (await uow.webhook_deliveries.heads(T0, set()))
            await uow.webhook_deliveries.delivered(first[0].id, 204, T0)  # crm's first went out unmasked
            await uow.commit()
        assert [(h.endpoint_id, json.loads(h.body)["data"]["message_id"]) for h in first] == [(crm, 0), (other, 0)]

        async with UnitOfWork(sessions) as uow:
            await uow.webhooks.replace(crm, EndpointFields("https://crm.example/hook", ("message.created",), False),
                                       None, T0)
            await uow.commit()
        bodies = {(d.endpoint_id, json.loads(d.body)["data"]["message_id"]): (d.status, json.loads(d.body)["data"]["text"])
                  for d in await deliveries(sessions)}
        assert bodies[crm, 0] == ("delivered", "call me on 13812345678")  # gone already: as it was sent
        assert all("13812345678" not in text for key, (status, text) in bodies.items() if status == "pending")
        async with UnitOfWork(sessions) as uow:
            heads = await uow.webhook_deliveries.heads(T0, {other})
        assert [(h.endpoint_id, json.loads(h.body)["data"]["message_id"]) for h in heads] == [(crm, 1)]
        assert heads[0].tried_since == T0

        # Resent two days on, the first delivery is tried for 24 hours from then, and goes first.
        later = T0 + timedelta(days=2)
        async with UnitOfWork(sessions) as uow:
            assert (await uow.webhooks.resend(first[0].id, later))["status"] == "pending"
            await uow.commit()
        async with UnitOfWork(sessions) as uow:
            again = await uow.webhook_deliveries.heads(later, {other})
        assert [(h.id, h.tried_since) for h in again] == [(first[0].id, later)]
        assert "13812345678" not in again[0].body  # sent unmasked once, resent as the endpoint is now
    finally:
        await engine.dispose()
