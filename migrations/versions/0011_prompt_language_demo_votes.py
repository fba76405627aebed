"""the board by prompt language, demo votes, English round titles

- votes.prompt_lang: the language of the battle's prompt ("ko", "en" or "other"), decided when the
  vote is stored (voting.prompt_language) and read by the live board, its rebuild and SQL alike;
  votes stored before it are given theirs here, from the curated prompt's declared language or
  the first prompt's text.
- votes.is_demo: a vote of the demo contest's made-up voters (`make run`), like bank_answers.is_demo.
- rounds.title_en: the round's title in English (the Korean title is shown when it is empty).

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

from voting.prompt_language import prompt_language

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prompt_lang', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('is_demo', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('ix_votes_round_demo', ['round_id'], unique=False,
                              postgresql_where=sa.text('is_demo'), sqlite_where=sa.text('is_demo = 1'))
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_en', sa.String(length=200), nullable=True))
    _backfill_prompt_languages()


def _backfill_prompt_languages() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT v.id, p.language, t.prompt_text FROM votes v "
        "JOIN battles b ON b.id = v.battle_id "
        "LEFT JOIN prompts p ON p.id = b.prompt_id "
        "LEFT JOIN battle_turns t ON t.battle_id = b.id AND t.turn_no = 1")).all()
    update = sa.text("UPDATE votes SET prompt_lang = :lang WHERE id = :id")
    params = [{"id": vote_id, "lang": prompt_language(declared, text)} for vote_id, declared, text in rows]
    for i in range(0, len(params), 1000):
        bind.execute(update, params[i:i + 1000])


def downgrade() -> None:
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('title_en')
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index('ix_votes_round_demo', postgresql_where=sa.text('is_demo'),
                            sqlite_where=sa.text('is_demo = 1'))
        batch_op.drop_column('is_demo')
        batch_op.drop_column('prompt_lang')
