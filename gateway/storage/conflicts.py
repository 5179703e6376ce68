"""SQLAlchemy's unique-key failure told in the domain's words.

`StorageConflict` is both: the pipeline catches the domain's `StoreConflict`, while code
that still speaks SQLAlchemy (hand-off, the web routes) keeps catching `IntegrityError`
until it has ports of its own.
"""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from sqlalchemy.exc import IntegrityError

from gateway.conversations.ports import StoreConflict


class StorageConflict(StoreConflict, IntegrityError):
    def __init__(self, cause: IntegrityError):
        IntegrityError.__init__(self, cause.statement, cause.params, cause.orig)


@asynccontextmanager
async def conflicts_as_domain_errors() -> AsyncIterator[None]:
    try:
        yield
    except StorageConflict:
        raise
    except IntegrityError as exc:
        raise StorageConflict(exc) from exc
