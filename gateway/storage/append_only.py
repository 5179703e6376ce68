"""Database triggers that refuse UPDATE on tables whose rows are records, not state.

Used from migrations, so the guarantee holds for every writer, not only this code.
"""
from alembic import op
import sqlalchemy as sa


def forbid_updates(table: str) -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION forbid_update() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION forbid_update()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def allow_updates(table: str) -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only")


# Erasure is the one change a record may undergo: stamping `erased_at` once while blanking the
# named personal columns. Every other column must stay as it was, so the statistics built on
# ids, senders and timestamps survive, and an erased row can never be changed again.
ERASURE_MARKER = "erased_at"


def allow_only_erasure(table: str, personal: tuple[str, ...]) -> None:
    """Replace `table`'s append-only trigger by one that lets erasure through and nothing else."""
    allow_updates(table)
    if op.get_context().dialect.name == "postgresql":
        # Columns compared as JSON minus the personal ones: a column added later is kept by default.
        op.execute(
            "CREATE OR REPLACE FUNCTION forbid_update_but_erasure() RETURNS trigger AS $$ "
            "BEGIN "
            "IF OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL AND "
            "(to_jsonb(NEW) - TG_ARGV - 'erased_at') = (to_jsonb(OLD) - TG_ARGV - 'erased_at') "
            "THEN RETURN NEW; END IF; "
            "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"
        )
        arguments = ", ".join(f"'{column}'" for column in personal)
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION forbid_update_but_erasure({arguments})"
        )
    else:
        # SQLite triggers cannot list columns at run time: the kept ones are read now.
        columns = [c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)]
        kept = [c for c in columns if c not in personal and c != ERASURE_MARKER]
        unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in kept)
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
            f"WHEN NOT (OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL AND {unchanged}) "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )
