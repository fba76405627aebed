"""moderation: one queue of flags, findings and appeals; versioned identity lexicons; live-board rebuild requests

- flags become the moderators' queue: a citizen's flag, a detector's finding or an appeal (`source`),
  with the voter it concerns, the votes, a score and the evidence; an appeal names its vote and a
  vote is appealed once (a partial unique index); a detector finding carries a fingerprint so a
  scan run twice files it once.
- votes keep a keyed hash of the client address (`client_hash`: never the address itself), for the
  shared-address and ring detectors; a partial index finds a round's excluded votes (the public
  exclusion statistics read them on every board).
- users keep the confusable skeleton of their display name (`display_key`), unique: "운영자" and
  "운영자" with a zero-width space, or "admin" and "аdmin" (Cyrillic a), are one name.
- identity_lexicons: the ministry's versions of the identity word list (append-only, like the audit
  log); a round's protocol names the version it uses.
- board_rebuilds: a void or restore asks the rating worker to rebuild the live board from SQL, in
  the action's transaction, so a Redis outage delays the board change but cannot lose it.
- moderation_actions is dropped: it was never written; actions are entries of the audit log
  (migration 0004), whose id is the action id.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

LEXICONS = 'identity_lexicons'


def upgrade() -> None:
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('subject_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('vote_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('evidence', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('vote_ids', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('action_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_flags_round_id_rounds'), 'rounds', ['round_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_flags_subject_user_id_users'), 'users', ['subject_user_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_flags_vote_id_votes'), 'votes', ['vote_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_flags_action_id_audit_log'), 'audit_log', ['action_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_flags_source'), "source IN ('citizen', 'detector', 'appeal')")
        batch_op.create_check_constraint(batch_op.f('ck_flags_score_range'), 'score IS NULL OR (score >= 0 AND score <= 1)')
        batch_op.create_check_constraint(batch_op.f('ck_flags_appeal_names_vote'), "source <> 'appeal' OR vote_id IS NOT NULL")
        batch_op.create_index('ix_flags_fingerprint', ['fingerprint'], unique=True)
        batch_op.create_index('ix_flags_subject_user_id', ['subject_user_id'], unique=False)
        batch_op.create_index('ix_flags_one_appeal_per_vote', ['vote_id'], unique=True,
                              postgresql_where=sa.text("source = 'appeal'"), sqlite_where=sa.text("source = 'appeal'"))
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_hash', sa.String(length=24), nullable=True))
        batch_op.create_index('ix_votes_client_hash', ['client_hash'], unique=False)
        batch_op.create_index('ix_votes_round_excluded', ['round_id'], unique=False,
                              postgresql_where=sa.text('excluded'), sqlite_where=sa.text('excluded = 1'))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('display_key', sa.String(length=80), nullable=True))
        batch_op.create_index('ix_users_display_key', ['display_key'], unique=True)
    op.create_table(LEXICONS,
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('probes', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('version > 0', name=op.f('ck_identity_lexicons_positive')),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_identity_lexicons'))
    )
    op.create_table('board_rebuilds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=80), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_rebuilds'))
    )
    op.create_index('ix_board_rebuilds_waiting', 'board_rebuilds', ['requested_at'],
                    postgresql_where=sa.text('done_at IS NULL'), sqlite_where=sa.text('done_at IS NULL'))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'CREATE TRIGGER {LEXICONS}_append_only BEFORE UPDATE OR DELETE ON {LEXICONS} '
                   f'FOR EACH ROW EXECUTE FUNCTION arena_append_only()')
        op.execute(f'CREATE TRIGGER {LEXICONS}_no_truncate BEFORE TRUNCATE ON {LEXICONS} '
                   f'FOR EACH STATEMENT EXECUTE FUNCTION arena_append_only()')
    else:
        for verb in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {LEXICONS}_no_{verb.lower()} BEFORE {verb} ON {LEXICONS} "
                       f"BEGIN SELECT RAISE(ABORT, 'append-only table {LEXICONS}: {verb} refused'); END")
    with op.batch_alter_table('moderation_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_actions_created_at'))
    op.drop_table('moderation_actions')


def downgrade() -> None:
    op.create_table('moderation_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('target', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("action IN ('void_votes', 'restore_votes', 'suspend_user', 'reinstate_user', 'dismiss_flag')",
                       name=op.f('ck_moderation_actions_action')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_moderation_actions_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_actions'))
    )
    with op.batch_alter_table('moderation_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_actions_created_at'), ['created_at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP TRIGGER IF EXISTS {LEXICONS}_append_only ON {LEXICONS}')
        op.execute(f'DROP TRIGGER IF EXISTS {LEXICONS}_no_truncate ON {LEXICONS}')
    op.drop_index('ix_board_rebuilds_waiting', table_name='board_rebuilds')
    op.drop_table('board_rebuilds')
    op.drop_table(LEXICONS)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_display_key')
        batch_op.drop_column('display_key')
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index('ix_votes_round_excluded')
        batch_op.drop_index('ix_votes_client_hash')
        batch_op.drop_column('client_hash')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index('ix_flags_one_appeal_per_vote')
        batch_op.drop_index('ix_flags_subject_user_id')
        batch_op.drop_index('ix_flags_fingerprint')
        batch_op.drop_constraint(batch_op.f('ck_flags_appeal_names_vote'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_flags_score_range'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_flags_source'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_flags_action_id_audit_log'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_flags_vote_id_votes'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_flags_subject_user_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_flags_round_id_rounds'), type_='foreignkey')
        for column in ('action_id', 'fingerprint', 'vote_ids', 'evidence', 'score', 'vote_id', 'subject_user_id',
                       'round_id'):
            batch_op.drop_column(column)
