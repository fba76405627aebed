"""battle_shares: read-only public links to voted battles, made only when the owner asks

One link per battle at most (unique battle_id); revoking deletes the row, so the old token stops
working at once and a new link gets a new token. The token is 256 random bits (URL-safe base64).

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('battle_shares',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('battle_id', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['battle_id'], ['battles.id'], name=op.f('fk_battle_shares_battle_id_battles'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_battle_shares')),
    sa.UniqueConstraint('battle_id', name=op.f('uq_battle_shares_battle_id'))
    )


def downgrade() -> None:
    op.drop_table('battle_shares')
