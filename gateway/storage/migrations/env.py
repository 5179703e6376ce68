"""Alembic environment: runs migrations over the gateway's own async engine."""
import asyncio

from alembic import context

from gateway.storage.database import create_engine
from gateway.storage.tables import Base

config = context.config


def _run(connection) -> None:
    # Batch mode lets later migrations alter SQLite tables, which lack ALTER COLUMN.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


asyncio.run(_run_online(config.attributes["database_url"]))
