"""Shared fixtures: a database per backend, a live gateway on 127.0.0.1, chat clients."""
from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from hypothesis import settings as hypothesis_settings

from typing import TYPE_CHECKING

from gateway.config import Settings

if TYPE_CHECKING:
    from gateway.bootstrap import Gateway

PG_HOST = os.environ.get("TEST_POSTGRES_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("TEST_POSTGRES_PORT", "5432"))
PG_USER = os.environ.get("TEST_POSTGRES_USER", "postgres")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# Property tests draw the same examples on every run, CI's included, so a failure can be
# reproduced from its report alone; nothing is kept in a .hypothesis/ folder between runs.
hypothesis_settings.register_profile("deterministic", derandomize=True, database=None, deadline=None)
hypothesis_settings.load_profile("deterministic")


async def migrate_database(settings: Settings) -> None:
    # Imported when a test needs a database: the whole gateway (aiogram, Socket.IO) is seconds
    # of imports the unit layer has no use for.
    from gateway.bootstrap import migrate_database as migrate

    await migrate(settings)


async def _postgres_admin():
    import asyncpg

    return await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres", timeout=3)


@pytest.fixture(scope="session")
def encoders():
    """The real models, loaded once per test session."""
    from gateway.kb_wiring import load_encoders
    from tests.doubles import MemoizingEncoder

    return [MemoizingEncoder(e) for e in load_encoders(Settings(_env_file=None))]


@pytest.fixture(scope="session")
def postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason its tests are skipped."""
    async def probe():
        conn = await _postgres_admin()
        await conn.close()

    try:
        asyncio.run(probe())
        return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT} as {PG_USER} ({type(exc).__name__}: {exc})"


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request, tmp_path, postgres_available):
    """A fresh, migrated database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
        await migrate_database(Settings(gateway_database_url=url))
        yield url
        return
    async for url in _fresh_postgres(postgres_available):
        yield url


@pytest.fixture
async def postgres_url(postgres_available):
    """A fresh, migrated PostgreSQL database, for what only PostgreSQL can do (several processes)."""
    async for url in _fresh_postgres(postgres_available):
        yield url


async def _fresh_postgres(postgres_available):
    if postgres_available:
        pytest.skip(postgres_available)
    name = f"csgw_test_{uuid.uuid4().hex[:12]}"
    admin = await _postgres_admin()
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    try:
        await migrate_database(Settings(gateway_database_url=url))
        yield url
    finally:
        admin = await _postgres_admin()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
async def pipeline_store(request, tmp_path, postgres_available):
    """The domain's units of work (called, a new one) on every implementation of their ports."""
    from gateway.storage.database import create_engine, create_session_factory
    from gateway.storage.unit_of_work import UnitOfWork
    from tests.memory_store import MemoryDatabase
    from tests.store_seeds import StoreUnderTest

    if request.param == "memory":
        yield StoreUnderTest(MemoryDatabase().unit_of_work, "memory")
        return
    if request.param == "sqlite":
        urls = _fresh_sqlite(tmp_path)
    else:
        urls = _fresh_postgres(postgres_available)
    async for url in urls:
        engine = create_engine(url)
        sessions = create_session_factory(engine)
        try:
            yield StoreUnderTest(lambda: UnitOfWork(sessions), request.param)
        finally:
            await engine.dispose()


async def _fresh_sqlite(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await migrate_database(Settings(gateway_database_url=url))
    yield url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"


def make_settings(database_url: str, data_dir: Path, **overrides) -> Settings:
    return Settings(
        gateway_database_url=database_url,
        gateway_data_dir=data_dir,
        gateway_secret_key="test-secret-key",
        _env_file=None,
        **overrides,
    )


@dataclass
class LiveServer:
    gateway: Gateway
    runner: web.AppRunner
    url: str

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_server(settings: Settings, encoders, port: int = 0, *, wait_for_bot: bool = True,
                       **build_kwargs) -> LiveServer:
    """A gateway on 127.0.0.1. It serves chat at once and warms the bot behind; unless told
    otherwise this waits for the bot too, so a test's first question meets a ready index."""
    from gateway.bootstrap import build

    await migrate_database(settings)
    gateway = build(settings, encoders=encoders, **build_kwargs)
    # A test's gateway stops at once: the default waits up to a minute for open requests (a
    # Socket.IO connection whose client went away under load), and a test may only take two.
    runner = web.AppRunner(gateway.app, access_log=None, shutdown_timeout=2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    if wait_for_bot:
        async with asyncio.timeout(120):
            await gateway.knowledge.ready()
    host, bound = runner.addresses[0][:2]
    return LiveServer(gateway, runner, f"http://{host}:{bound}")


@pytest.fixture
async def server(sqlite_url, tmp_path, encoders):
    live = await start_server(make_settings(sqlite_url, tmp_path), encoders)
    yield live
    await live.stop()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
async def fake_telegram():
    """A fake Telegram Bot API server on 127.0.0.1."""
    from tests.fake_telegram import FakeBotApi

    api = await FakeBotApi().start()
    yield api
    await api.stop()
