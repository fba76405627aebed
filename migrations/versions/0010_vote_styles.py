"""vote_styles: each side's answer style per vote (tokens, headers, list items, bold), for the style-controlled board

Computed from the battle's stored answers the first time a style board reads the vote (voting.style_store), so
the board never reads answer texts twice. Rows for votes cast before this revision are filled the same way.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

SIDES = [f'{feature}_{side}' for side in ('a', 'b') for feature in ('tokens', 'headers', 'lists', 'bold')]


def upgrade() -> None:
    op.create_table(
        'vote_styles',
        sa.Column('vote_id', sa.String(length=32), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in SIDES],
        sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], name=op.f('fk_vote_styles_vote_id_votes'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('vote_id', name=op.f('pk_vote_styles')),
    )


def downgrade() -> None:
    op.drop_table('vote_styles')
