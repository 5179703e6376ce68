"""Webhook endpoints, and the deliveries on their way to them, on SQLAlchemy."""
from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.conversations.ports import WebhookDelivery
from gateway.privacy import pii
from gateway.storage.tables import WebhookDelivery as Delivery, WebhookEndpoint as Row
from gateway.storage.webhook_subscriptions import WebhookSubscriptions
from handoff.webhook_endpoints import Endpoint, EndpointFields, EndpointNotFound


PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def _delivery(d: Delivery) -> dict:
    return {"id": d.id, "endpoint_id": d.endpoint_id, "event_id": d.event_id, "type": d.event_type,
            "status": d.status, "attempts": d.attempts, "created_at": d.created_at.isoformat(),
            "next_attempt_at": d.next_attempt_at.isoformat() if d.status == PENDING else None,
            "last_status": d.last_status, "last_error": d.last_error,
            "done_at": d.done_at.isoformat() if d.done_at else None}


def _endpoint(row: Row) -> Endpoint:
    return Endpoint(row.url, tuple(row.events), row.trusted, row.id, row.created_by, row.created_at, row.updated_at)


def _masked(body: str) -> str:
    event = json.loads(body)
    return json.dumps({**event, "data": pii.mask_nested(event.get("data"))}, ensure_ascii=False, separators=(",", ":"))


class SqlWebhookEndpoints:
    def __init__(self, session: AsyncSession):
        self.session = session
        self.changed = False  # the unit of work tells the process's WebhookSubscriptions once committed

    async def all(self) -> list[Endpoint]:
        return [_endpoint(r) for r in (await self.session.execute(
            select(Row).where(Row.removed.is_(False)).order_by(Row.id))).scalars()]

    async def get(self, endpoint_id: int) -> Endpoint | None:
        row = await self.session.get(Row, endpoint_id)
        return _endpoint(row) if row is not None and not row.removed else None

    async def add(self, fields: EndpointFields, secret: str, by: str, at: datetime) -> Endpoint:
        row = Row(url=fields.url, secret=secret, events=list(fields.events), trusted=fields.trusted, created_by=by,
                  created_at=at, updated_at=at)
        self.changed = True
        self.session.add(row)
        await self.session.flush()
        return _endpoint(row)

    async def replace(self, endpoint_id: int, fields: EndpointFields, secret: str | None, at: datetime) -> Endpoint:
        row = await self.session.get(Row, endpoint_id)
        if row is None or row.removed:  # deleted since the caller read it
            raise EndpointNotFound(f"no webhook endpoint {endpoint_id}")
        if row.trusted and not fields.trusted:
            await self._mask_waiting(endpoint_id)
        row.url, row.events, row.trusted, row.updated_at = fields.url, list(fields.events), fields.trusted, at
        self.changed = True
        if secret is not None:
            row.secret = secret
        await self.session.flush()
        return _endpoint(row)

    async def _mask_waiting(self, endpoint_id: int) -> None:
        """Trust withdrawn: events still waiting were written unmasked for it, and go out
        masked now, as if they had been recorded after the change."""
        waiting = (await self.session.execute(select(Delivery.id, Delivery.body).where(
            Delivery.endpoint_id == endpoint_id, Delivery.status == PENDING))).all()
        for delivery_id, body in waiting:
            masked = _masked(body)
            if masked != body:
                await self.session.execute(update(Delivery).where(Delivery.id == delivery_id).values(body=masked))

    async def remove(self, endpoint_id: int) -> None:
        self.changed = True
        await self.session.execute(delete(Delivery).where(Delivery.endpoint_id == endpoint_id))
        # Kept as a row (tables: WebhookEndpoint.removed), with nothing left to sign or send.
        await self.session.execute(update(Row).where(Row.id == endpoint_id).values(
            removed=True, secret="", events=[]))

    async def deliveries(self, endpoint_id: int, limit: int) -> list[dict]:
        rows = (await self.session.execute(select(Delivery).where(Delivery.endpoint_id == endpoint_id)
                                           .order_by(Delivery.id.desc()).limit(limit))).scalars()
        return [_delivery(d) for d in rows]

    async def resend(self, delivery_id: int, at: datetime) -> dict | None:
        row = await self.session.get(Delivery, delivery_id)
        endpoint = await self.session.get(Row, row.endpoint_id) if row is not None else None
        if row is None or endpoint.removed:
            return None
        if not endpoint.trusted:  # written while it was trusted, perhaps: it goes out as the endpoint is now
            row.body = _masked(row.body)
        # Sent again now, and tried again for 24 hours from now, however old the event.
        row.status, row.next_attempt_at, row.done_at, row.tried_since = PENDING, at, None, at
        await self.session.flush()
        return _delivery(row)


class SqlWebhookEvents:
    """Events recorded with the change they tell of: one delivery row per endpoint wanting it.

    The endpoints are read once per unit of work, and not at all while the process knows that
    none wants the event (webhook_subscriptions.py says why that is safe); the rows are written
    in one statement when the unit of work commits (`flush`), not as ORM objects one by one:
    a burst's batch of customer messages can be hundreds of events."""

    def __init__(self, session: AsyncSession, subscriptions: WebhookSubscriptions | None = None):
        self.session = session
        self._subscriptions = subscriptions
        self._endpoints: list[tuple[int, list, bool]] | None = None  # as this unit of work read them
        self._rows: list[dict] = []

    async def record(self, event_type: str, data: dict, at: datetime) -> None:
        if self._endpoints is None:
            wanted = self._subscriptions.wanted() if self._subscriptions is not None else None
            if wanted is not None and event_type not in wanted:
                return
            await self._read_endpoints()
        wanting = [(e_id, trusted) for e_id, events, trusted in self._endpoints if event_type in events]
        if not wanting:
            return
        event_id = str(uuid.uuid4())
        bodies: dict[bool, str] = {}
        for endpoint_id, trusted in wanting:
            if trusted not in bodies:
                # Untrusted receivers get personal data masked, as the console's masking does.
                body = {"id": event_id, "type": event_type, "created_at": at.isoformat(),
                        "data": data if trusted else pii.mask_nested(data)}
                bodies[trusted] = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
            self._rows.append(dict(endpoint_id=endpoint_id, event_id=event_id, event_type=event_type,
                                   conversation_id=data.get("conversation_id"), body=bodies[trusted],
                                   status=PENDING, attempts=0, created_at=at, next_attempt_at=at))

    async def _read_endpoints(self) -> None:
        version = self._subscriptions.version if self._subscriptions is not None else 0
        self._endpoints = [tuple(r) for r in (await self.session.execute(select(Row.id, Row.events, Row.trusted))).all()]
        if self._subscriptions is not None:
            self._subscriptions.remember({e for _, events, _ in self._endpoints for e in events}, version)

    async def flush(self) -> None:
        """Writes what was recorded, in order: the unit of work calls it before it commits (a
        later transaction of the same unit reads the endpoints again)."""
        self._endpoints = None
        if self._rows:
            rows, self._rows = self._rows, []
            await self.session.execute(insert(Delivery), rows)


class SqlWebhookDeliveries:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def heads(self, now: datetime, skip: set[int]) -> list[WebhookDelivery]:
        # Per endpoint, its oldest pending delivery by the (status, endpoint_id, id) index: one
        # look-up each, however long the backlog of a receiver that was down. (A GROUP BY over
        # all pending rows, at every delivery, made draining a backlog quadratic.)
        head = (select(func.min(Delivery.id)).where(Delivery.status == PENDING, Delivery.endpoint_id == Row.id)
                .correlate(Row).scalar_subquery())
        endpoints = select(Row.id, Row.url, Row.secret, head.label("head")).where(Row.removed.is_(False))
        if skip:
            endpoints = endpoints.where(Row.id.not_in(skip))
        found = {h: (url, secret) for _, url, secret, h in (await self.session.execute(endpoints)).all()
                 if h is not None}
        if not found:
            return []
        rows = (await self.session.execute(select(Delivery).where(
            Delivery.id.in_(found), Delivery.next_attempt_at <= now).order_by(Delivery.id))).scalars()
        return [WebhookDelivery(d.id, d.endpoint_id, *found[d.id], d.body, d.attempts, d.tried_since or d.created_at)
                for d in rows]

    async def delivered(self, delivery_id: int, status: int, at: datetime) -> None:
        await self.session.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.status == PENDING).values(
            status=DELIVERED, attempts=Delivery.attempts + 1, last_status=status, last_error=None, done_at=at))

    async def retry(self, delivery_id: int, status: int | None, error: str, at: datetime, next_at: datetime) -> None:
        await self.session.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.status == PENDING).values(
            attempts=Delivery.attempts + 1, last_status=status, last_error=error[:2000], next_attempt_at=next_at))

    async def failed(self, delivery_id: int, status: int | None, error: str, at: datetime) -> None:
        await self.session.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.status == PENDING).values(
            status=FAILED, attempts=Delivery.attempts + 1, last_status=status, last_error=error[:2000], done_at=at))
