"""hand-offs, presence, complaints, notes, csat, guard hits

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

from gateway.storage.append_only import allow_updates, forbid_updates


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

APPEND_ONLY = ("conversation_notes", "guard_hits")


def upgrade() -> None:
    op.create_table('complaint_counters',
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('channel_code', sa.String(length=4), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'channel_code')
    )
    op.create_table('agent_presence',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('complaints',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('severity_reasons', sa.JSON(), nullable=False),
    sa.Column('demand', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('evidence_message_ids', sa.JSON(), nullable=False),
    sa.Column('root_cause', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_severity'), ['severity'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_status'), ['status'], unique=False)

    op.create_table('conversation_notes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('author_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('conversation_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_notes_conversation_id'), ['conversation_id'], unique=False)

    op.create_table('guard_hits',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('excerpt', sa.Text(), nullable=False),
    sa.Column('sent_anyway', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('guard_hits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guard_hits_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_guard_hits_user_id'), ['user_id'], unique=False)

    op.create_table('handoffs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=True),
    sa.Column('severity', sa.String(length=16), nullable=True),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('warned_50_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('warned_80_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('breached_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assignee_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoffs_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handoffs_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index('ix_handoffs_open_due', ['resolved_at', 'first_response_due_at'], unique=False)

    op.create_table('complaint_clocks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('complaint_id', sa.String(length=24), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('met_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('breached_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('complaint_id', 'kind', name='uq_complaint_clock')
    )
    with op.batch_alter_table('complaint_clocks', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_clocks_due', ['met_at', 'breached_at', 'due_at'], unique=False)

    op.create_table('csat_responses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('handoff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('handoff_id')
    )
    with op.batch_alter_table('csat_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_csat_responses_conversation_id'), ['conversation_id'], unique=False)

    # Plain ADD COLUMN, not batch mode: SQLite has it natively, and batch mode would copy
    # and drop `conversations`, which the messages' foreign keys forbid once data exists.
    op.add_column('conversations', sa.Column('assignee_id', sa.Integer(), nullable=True))
    op.create_index('ix_conversations_assignee_id', 'conversations', ['assignee_id'], unique=False)
    for table in APPEND_ONLY:
        forbid_updates(table)



def downgrade() -> None:
    for table in APPEND_ONLY:
        allow_updates(table)
    op.drop_index('ix_conversations_assignee_id', table_name='conversations')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_column('assignee_id')

    with op.batch_alter_table('csat_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_csat_responses_conversation_id'))

    op.drop_table('csat_responses')
    with op.batch_alter_table('complaint_clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_clocks_due')

    op.drop_table('complaint_clocks')
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_index('ix_handoffs_open_due')
        batch_op.drop_index(batch_op.f('ix_handoffs_conversation_id'))
        batch_op.drop_index(batch_op.f('ix_handoffs_assignee_id'))

    op.drop_table('handoffs')
    with op.batch_alter_table('guard_hits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guard_hits_user_id'))
        batch_op.drop_index(batch_op.f('ix_guard_hits_conversation_id'))

    op.drop_table('guard_hits')
    with op.batch_alter_table('conversation_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_notes_conversation_id'))

    op.drop_table('conversation_notes')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_status'))
        batch_op.drop_index(batch_op.f('ix_complaints_severity'))
        batch_op.drop_index(batch_op.f('ix_complaints_conversation_id'))

    op.drop_table('complaints')
    op.drop_table('agent_presence')
    op.drop_table('complaint_counters')
