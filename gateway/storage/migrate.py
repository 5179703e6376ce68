"""Schema migrations to head, and the check `/readyz` uses."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Passed as an attribute, not an ini option, so a '%' in a password needs no escaping.
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str) -> None:
    """Blocking: call from a thread when an event loop is running (env.py runs its own)."""
    command.upgrade(alembic_config(database_url), "head")


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config("")).get_heads())


async def current_revisions(engine: AsyncEngine) -> set[str]:
    # Read the version table directly: a migration context would log on every probe.
    async with engine.connect() as conn:
        exists = await conn.run_sync(lambda sync: inspect(sync).has_table(VERSION_TABLE))
        if not exists:
            return set()
        rows = await conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
        return {row[0] for row in rows}
