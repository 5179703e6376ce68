"""The shop's webhook endpoints, kept by admins: where events go, which ones, under what secret.

The secret is written, never read back: the API shows whether one is set, so a leaked admin
screen does not let anyone forge deliveries. An endpoint marked `trusted` gets personal data
as stored; the others get it masked, as the console's masking does. Every change is audited,
without the secret.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Protocol
from urllib.parse import urlsplit

from gateway import audit
from gateway.conversations.ports import Transaction
from handoff.ports import AuditLog

AUDIT_TYPE = "webhook"


@dataclass(frozen=True)
class EndpointFields:
    url: str
    events: tuple[str, ...]
    trusted: bool = False


@dataclass(frozen=True)
class Endpoint(EndpointFields):
    id: int = 0
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "url": self.url, "events": list(self.events), "trusted": self.trusted,
                "secret_set": True, "created_by": self.created_by,
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "updated_at": self.updated_at.isoformat() if self.updated_at else None}


class EndpointNotFound(LookupError):
    pass


class DeliveryNotFound(LookupError):
    pass


class EndpointStore(Protocol):
    async def all(self) -> list[Endpoint]: ...

    async def get(self, endpoint_id: int) -> Endpoint | None: ...

    async def add(self, fields: EndpointFields, secret: str, by: str, at: datetime) -> Endpoint: ...

    async def replace(self, endpoint_id: int, fields: EndpointFields, secret: str | None, at: datetime) -> Endpoint:
        """`secret` None keeps the one set."""

    async def remove(self, endpoint_id: int) -> None: ...

    async def deliveries(self, endpoint_id: int, limit: int) -> list[dict]:
        """Newest first: id, event_id, type, status, attempts, created_at, next_attempt_at,
        last_status, last_error, done_at."""

    async def resend(self, delivery_id: int, at: datetime) -> dict | None:
        """The delivery made pending again, due now (same event id and body); None if unknown."""


class WebhookUnitOfWork(Transaction, Protocol):
    webhooks: EndpointStore
    audit: AuditLog


def _shown(url: str) -> str:
    """The address without its query: supervisors read the audit log, and a receiver's token
    often rides in the query string."""
    return urlsplit(url)._replace(query="", fragment="").geturl()


def _content(fields: EndpointFields) -> dict:
    return {"url": _shown(fields.url), "events": list(fields.events), "trusted": fields.trusted}


class WebhookEndpoints:
    def __init__(self, uow: Callable[[], WebhookUnitOfWork], clock):
        self._uow = uow
        self._clock = clock

    async def list(self) -> list[Endpoint]:
        async with self._uow() as uow:
            return await uow.webhooks.all()

    async def create(self, fields: EndpointFields, secret: str, actor: str) -> Endpoint:
        now = self._clock()
        async with self._uow() as uow:
            created = await uow.webhooks.add(fields, secret, actor, now)
            audit.record(uow, at=now, actor=actor, action="create", object_type=AUDIT_TYPE, object_id=str(created.id),
                         summary=f"webhook to {_shown(fields.url)}", after=_content(fields))
            await uow.commit()
        return created

    async def update(self, endpoint_id: int, fields: EndpointFields, secret: str | None, actor: str) -> Endpoint:
        now = self._clock()
        async with self._uow() as uow:
            current = await uow.webhooks.get(endpoint_id)
            if current is None:
                raise EndpointNotFound(f"no webhook endpoint {endpoint_id}")
            updated = await uow.webhooks.replace(endpoint_id, fields, secret, now)
            before, after = audit.changed(_content(current), _content(fields))
            if secret is not None:
                after["secret"] = "changed"  # that it changed, never what it is
            audit.record(uow, at=now, actor=actor, action="update", object_type=AUDIT_TYPE, object_id=str(endpoint_id),
                         summary=f"webhook to {_shown(fields.url)} edited", before=before, after=after)
            await uow.commit()
        return updated

    async def deliveries(self, endpoint_id: int, limit: int = 50) -> list[dict]:
        async with self._uow() as uow:
            if await uow.webhooks.get(endpoint_id) is None:
                raise EndpointNotFound(f"no webhook endpoint {endpoint_id}")
            return await uow.webhooks.deliveries(endpoint_id, limit)

    async def resend(self, delivery_id: int, actor: str) -> dict:
        """Once more, as it was: a receiver that lost an event, or one that failed for good."""
        now = self._clock()
        async with self._uow() as uow:
            again = await uow.webhooks.resend(delivery_id, now)
            if again is None:
                raise DeliveryNotFound(f"no webhook delivery {delivery_id}")
            audit.record(uow, at=now, actor=actor, action="resend", object_type=AUDIT_TYPE,
                         object_id=str(again["endpoint_id"]),
                         summary=f"{again['type']} event {again['event_id']} sent again")
            await uow.commit()
        return again

    async def delete(self, endpoint_id: int, actor: str) -> None:
        now = self._clock()
        async with self._uow() as uow:
            current = await uow.webhooks.get(endpoint_id)
            if current is None:
                raise EndpointNotFound(f"no webhook endpoint {endpoint_id}")
            await uow.webhooks.remove(endpoint_id)
            audit.record(uow, at=now, actor=actor, action="delete", object_type=AUDIT_TYPE, object_id=str(endpoint_id),
                         summary=f"webhook to {_shown(current.url)} deleted", before=_content(current))
            await uow.commit()
