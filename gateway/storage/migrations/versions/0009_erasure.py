"""erasure: `erased_at` on the records that can hold personal data, the one update they allow

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

from gateway.storage.append_only import allow_only_erasure, allow_updates, forbid_updates


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# Append-only tables, and the columns of each that may quote or describe a customer.
PERSONAL = {
    "messages": ("text", "meta"),
    "conversation_events": ("reason",),
    "conversation_notes": ("text",),
    "guard_hits": ("excerpt",),
    "audit_log": ("summary", "before", "after"),
    "quality_reviews": ("comment",),
}


def upgrade() -> None:
    # Marks the customer as done, so retention skips it and a second erasure finds nothing.
    op.add_column('customers', sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    for table, personal in PERSONAL.items():
        op.add_column(table, sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        allow_only_erasure(table, personal)


def downgrade() -> None:
    # A native DROP COLUMN (SQLite 3.35+): a batch copy would drop tables others reference.
    for table in PERSONAL:
        allow_updates(table)
        op.execute(f"ALTER TABLE {table} DROP COLUMN erased_at")
        forbid_updates(table)
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS forbid_update_but_erasure()")
    op.execute("ALTER TABLE customers DROP COLUMN erased_at")
