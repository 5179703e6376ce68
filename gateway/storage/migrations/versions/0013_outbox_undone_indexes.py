"""outbox: partial indexes over undone items, in id order and per conversation

The worker's poll wants the first undone items in commit order, each checked against the
undone items before it in its conversation. With the index on (done_at, available_at) a
poll sorted every undone row: 50-60 ms with the ten thousand a burst leaves, on every lane's
end. Over undone rows only, in id order, it reads what it returns: about 1 ms, however long
the table's history.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

UNDONE = sa.text('done_at IS NULL')


def upgrade() -> None:
    op.create_index('ix_outbox_undone', 'outbox', ['id'], sqlite_where=UNDONE, postgresql_where=UNDONE)
    op.create_index('ix_outbox_undone_lane', 'outbox', ['conversation_id', 'id'], sqlite_where=UNDONE,
                    postgresql_where=UNDONE)
    op.drop_index('ix_outbox_pending', table_name='outbox')


def downgrade() -> None:
    op.create_index('ix_outbox_pending', 'outbox', ['done_at', 'available_at'])
    op.drop_index('ix_outbox_undone_lane', table_name='outbox')
    op.drop_index('ix_outbox_undone', table_name='outbox')
