"""users.language: the language a staff account reads its pages in

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A server default fills the existing accounts; English was the only console language.
    op.add_column('users', sa.Column('language', sa.String(length=8), nullable=False,
                                     server_default='en'))


def downgrade() -> None:
    # A native DROP COLUMN (SQLite 3.35+): a batch copy would drop tables others reference.
    op.execute("ALTER TABLE users DROP COLUMN language")
