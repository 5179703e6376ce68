"""Whether the database can serve: reachable, and migrated to the code's head revision."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.storage.migrate import current_revisions, head_revisions


def database_checks(engine: AsyncEngine):
    async def check() -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
            current, head = await current_revisions(engine), head_revisions()
            checks["migrations"] = "ok" if current == head else f"at {sorted(current)}, head is {sorted(head)}"
        except Exception as exc:  # any failure to reach the database means not ready
            checks["database"] = f"unreachable: {type(exc).__name__}"
        return checks

    return check
