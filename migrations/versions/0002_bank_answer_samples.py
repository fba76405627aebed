"""bank answers: several samples per (prompt, model)

One fixed answer per (prompt, model) let a voter map an answer text to its model after one
reveal (issue 8). Existing answers become sample 1.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bank_answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sample', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_bank_answers_prompt_id_model_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_bank_answers_prompt_id_model_id_sample'),
                                          ['prompt_id', 'model_id', 'sample'])
        batch_op.create_check_constraint('sample_positive', 'sample >= 1')


def downgrade() -> None:
    # Going back to one answer per pair keeps sample 1 and drops the others.
    op.execute('DELETE FROM bank_answers WHERE sample <> 1')
    with op.batch_alter_table('bank_answers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_bank_answers_sample_positive'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_bank_answers_prompt_id_model_id_sample'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_bank_answers_prompt_id_model_id'),
                                          ['prompt_id', 'model_id'])
        batch_op.drop_column('sample')
