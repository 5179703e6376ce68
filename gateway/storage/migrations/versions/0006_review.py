"""audit log, quality review, handled unanswered questions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

from gateway.storage.append_only import allow_updates, forbid_updates


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
APPEND_ONLY = ("audit_log", "quality_reviews")


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_log_object', ['object_type', 'object_id'], unique=False)
    op.create_table('quality_samples',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('drawn_by', BigId, nullable=False),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_to', sa.DateTime(timezone=True), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('conversation_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['drawn_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('quality_reviews',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('sample_id', BigId, nullable=True),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('agent_id', BigId, nullable=True),
    sa.Column('reviewer_id', BigId, nullable=False),
    sa.Column('courtesy', sa.Integer(), nullable=False),
    sa.Column('accuracy', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.Column('forbidden_hits', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['sample_id'], ['quality_samples.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('quality_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_reviews_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quality_reviews_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quality_reviews_sample_id'), ['sample_id'], unique=False)
    op.create_table('kb_unanswered_handled',
    sa.Column('message_id', BigId, nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('entry_id', sa.String(length=64), nullable=True),
    sa.Column('handled_by', sa.String(length=100), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ),
    sa.PrimaryKeyConstraint('message_id')
    )
    for table in APPEND_ONLY:
        forbid_updates(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        allow_updates(table)
    op.drop_table('kb_unanswered_handled')
    with op.batch_alter_table('quality_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_reviews_sample_id'))
        batch_op.drop_index(batch_op.f('ix_quality_reviews_conversation_id'))
        batch_op.drop_index(batch_op.f('ix_quality_reviews_agent_id'))
    op.drop_table('quality_reviews')
    op.drop_table('quality_samples')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_object')
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
    op.drop_table('audit_log')
