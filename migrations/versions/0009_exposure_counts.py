"""exposure counts: battles shown per round, category and ordered pair, kept by a trigger on battles

Pair sampling read a round's exposure with a GROUP BY over all its battles on every battle start,
a cost that grew with the round. `round_exposure` holds the same counts, kept in the inserting
transaction by a trigger on `battles` (whoever inserts: the arena, imports, the bench's COPY), so a
start reads a few rows. PostgreSQL: one statement-level trigger with a transition table (a COPY of a
million battles is one grouped upsert); SQLite: a row-level trigger. Backfilled from the battles.

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE FUNCTION arena_count_exposure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO round_exposure (round_id, category, model_a_id, model_b_id, battles)
    SELECT round_id, category, model_a_id, model_b_id, count(*) FROM new_battles
    GROUP BY round_id, category, model_a_id, model_b_id
    ON CONFLICT (round_id, category, model_a_id, model_b_id)
    DO UPDATE SET battles = round_exposure.battles + EXCLUDED.battles;
    RETURN NULL;
END $$
"""
PG_TRIGGER = """
CREATE TRIGGER battles_count_exposure AFTER INSERT ON battles REFERENCING NEW TABLE AS new_battles
FOR EACH STATEMENT EXECUTE FUNCTION arena_count_exposure()
"""
SQLITE_TRIGGER = """
CREATE TRIGGER battles_count_exposure AFTER INSERT ON battles FOR EACH ROW BEGIN
    INSERT INTO round_exposure (round_id, category, model_a_id, model_b_id, battles)
    VALUES (NEW.round_id, NEW.category, NEW.model_a_id, NEW.model_b_id, 1)
    ON CONFLICT (round_id, category, model_a_id, model_b_id) DO UPDATE SET battles = battles + 1;
END
"""


def upgrade() -> None:
    op.create_table('round_exposure',
    sa.Column('round_id', sa.String(length=40), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('model_a_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('model_b_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('battles', sa.Integer(), nullable=False),
    sa.CheckConstraint('battles >= 0', name=op.f('ck_round_exposure_battles_not_negative')),
    sa.PrimaryKeyConstraint('round_id', 'category', 'model_a_id', 'model_b_id', name=op.f('pk_round_exposure'))
    )
    op.execute("INSERT INTO round_exposure (round_id, category, model_a_id, model_b_id, battles) "
               "SELECT round_id, category, model_a_id, model_b_id, count(*) FROM battles "
               "GROUP BY round_id, category, model_a_id, model_b_id")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS battles_count_exposure" +
               (" ON battles" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS arena_count_exposure()")
    op.drop_table('round_exposure')
