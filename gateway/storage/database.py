"""Engine and session factory for SQLite (the default) or PostgreSQL, with one code path."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from gateway.storage.serial_gate import SerialGate
from gateway.storage.webhook_subscriptions import WebhookSubscriptions


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url)

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):
        # WAL lets readers run beside the single writer; busy_timeout makes a second
        # writer wait for the lock instead of failing at once.
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    sessions.webhook_subscriptions = WebhookSubscriptions()  # read by UnitOfWork: is anyone listening?
    if engine.dialect.name == "sqlite":
        sessions.gate = SerialGate()  # read by UnitOfWork: one at a time, acks first
    return sessions
