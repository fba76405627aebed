"""vote outbox: a partial index on the votes still waiting for the live board

The board, /readyz and /metrics read the oldest waiting vote on every call; during a worker outage
the backlog grows, and without this index each read visits every waiting row.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_vote_outbox_waiting', 'vote_outbox', ['created_at'], unique=False,
                    postgresql_where=sa.text('published_at IS NULL'), sqlite_where=sa.text('published_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_vote_outbox_waiting', table_name='vote_outbox')
