"""conflict of interest: citizens' declarations of ties to participating teams (append-only)

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'conflict_declarations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('teams', sa.JSON(), nullable=False),
        sa.Column('declared_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_conflict_declarations_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_declarations')),
    )
    op.create_index(op.f('ix_conflict_declarations_user_id'), 'conflict_declarations', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_conflict_declarations_user_id'), table_name='conflict_declarations')
    op.drop_table('conflict_declarations')
