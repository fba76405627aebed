"""consents and the citizen's rights; the ministry's notices

- user_consents: each decision of a citizen on a consent item (privacy and terms required, releasing
  their prompts and answers optional, the confirmation of being 14 or older), with its time and the
  policy version it answered; append-only history, the newest row per item is in force.
- users.deleted_at and the status 'deleted': a deleted account keeps its emptied row, so its votes stay
  in the ranking and in the hash-chained vote log as anonymous records.
- notices: the ministry's 공지사항 (Korean and English), public while published.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_users_status'), type_='check')
        batch_op.create_check_constraint('status', "status IN ('active', 'suspended', 'deleted')")
    op.create_table('user_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=20), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('policy_version', sa.String(length=20), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("item IN ('privacy', 'terms', 'release', 'age_14')", name=op.f('ck_user_consents_item')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_consents'))
    )
    op.create_index('ix_user_consents_user_item', 'user_consents', ['user_id', 'item'], unique=False)
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title_ko', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('body_ko', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('posted_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('posted_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['posted_by'], ['users.id'], name=op.f('fk_notices_posted_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    op.create_index('ix_notices_published_at', 'notices', ['published', 'posted_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_notices_published_at', table_name='notices')
    op.drop_table('notices')
    op.drop_index('ix_user_consents_user_item', table_name='user_consents')
    op.drop_table('user_consents')
    op.execute("UPDATE users SET status = 'suspended' WHERE status = 'deleted'")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_status'), type_='check')
        batch_op.create_check_constraint('status', "status IN ('active', 'suspended')")
        batch_op.drop_column('deleted_at')
