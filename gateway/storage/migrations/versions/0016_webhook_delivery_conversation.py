"""webhook_deliveries.conversation_id: which conversation an event tells of, so that erasing its
customer reaches the copies of their words waiting for, or kept after, delivery; and
tried_since: a resend starts a delivery's 24 hours of tries again; and webhook_endpoints.removed:
a removed endpoint stays as a row, so a delivery written for it meanwhile keeps its foreign key

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_deliveries') as batch:
        batch.add_column(sa.Column('conversation_id', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('tried_since', sa.DateTime(timezone=True), nullable=True))
        batch.create_index('ix_webhook_deliveries_conversation_id', ['conversation_id'])
    with op.batch_alter_table('webhook_endpoints') as batch:
        batch.add_column(sa.Column('removed', sa.Boolean(), server_default=sa.false(), nullable=False))
    # Deliveries written before: their conversation is in their body.
    deliveries = sa.table('webhook_deliveries', sa.column('id'), sa.column('body'), sa.column('conversation_id'))
    connection = op.get_bind()
    for delivery_id, body in connection.execute(sa.select(deliveries.c.id, deliveries.c.body)).all():
        conversation_id = (json.loads(body).get("data") or {}).get("conversation_id")
        if conversation_id:
            connection.execute(deliveries.update().where(deliveries.c.id == delivery_id)
                               .values(conversation_id=str(conversation_id)[:32]))


def downgrade() -> None:
    with op.batch_alter_table('webhook_endpoints') as batch:
        batch.drop_column('removed')
    with op.batch_alter_table('webhook_deliveries') as batch:
        batch.drop_index('ix_webhook_deliveries_conversation_id')
        batch.drop_column('tried_since')
        batch.drop_column('conversation_id')
