"""A unit of work opened for reading only (a queue redraw, a report, a scrape) reads beside
SQLite's writer instead of waiting its turn at the gate, and cannot commit."""
from __future__ import annotations

import asyncio

import pytest

from gateway.clock import utcnow
from gateway.config import Settings
from gateway.conversations.ports import only_reading
from gateway.storage.database import create_engine, create_session_factory
from gateway.storage.unit_of_work import UnitOfWork
from tests.conftest import migrate_database


async def test_a_reader_does_not_wait_for_a_writer_holding_the_gate(tmp_path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"  # the gate is SQLite's alone
    await migrate_database(Settings(gateway_database_url=database_url))
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    writing, done = asyncio.Event(), asyncio.Event()

    async def writer():
        async with UnitOfWork(sessions) as uow:
            await uow.chats.open_conversation("web", "held", "held", None, utcnow())
            await uow.session.flush()
            writing.set()
            await done.wait()  # holds the gate, and SQLite's write lock, until the reader is through
            await uow.commit()

    try:
        held = asyncio.create_task(writer())
        await writing.wait()
        async with asyncio.timeout(5):  # it would wait for the writer forever
            with only_reading():
                async with UnitOfWork(sessions) as uow:
                    assert await uow.desk.waiting() == []  # the write is not visible yet
                    with pytest.raises(RuntimeError, match="reading only"):
                        await uow.commit()
        with pytest.raises(asyncio.TimeoutError):  # without the hint it takes its turn
            async with asyncio.timeout(0.5):
                async with UnitOfWork(sessions):
                    pass
        done.set()
        await held
    finally:
        await engine.dispose()
