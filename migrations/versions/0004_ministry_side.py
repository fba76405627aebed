"""the ministry's side: audit log, round protocols, the hash-chained vote log, daily roots, snapshots

Append-only tables (audit_log, round_protocols, vote_log, log_roots, snapshots) get triggers that
refuse UPDATE and DELETE, on PostgreSQL and SQLite alike: no route, command or hand-typed statement
rewrites the record the public can verify. Existing rounds get a fresh pseudonym secret each.

Revision ID: 0004
Revises: 0003
"""
import secrets

from alembic import op
import sqlalchemy as sa

APPEND_ONLY = ('audit_log', 'round_protocols', 'vote_log', 'log_roots', 'snapshots')


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target_type', sa.String(length=40), nullable=False),
    sa.Column('target_id', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_created_at'), ['created_at'], unique=False)

    op.create_table('log_roots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.String(length=40), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('root', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_log_roots_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_roots')),
    sa.UniqueConstraint('round_id', 'day', name=op.f('uq_log_roots_round_id_day'))
    )
    op.create_table('round_protocols',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('protocol', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('roster', sa.JSON(), nullable=False),
    sa.Column('free_prompts', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('version >= 1', name=op.f('ck_round_protocols_version')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_round_protocols_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_protocols')),
    sa.UniqueConstraint('round_id', 'version', name=op.f('uq_round_protocols_round_id_version'))
    )
    op.create_table('vote_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('vote_id', sa.String(length=32), nullable=False),
    sa.Column('record', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('cast', 'exclude', 'restore')", name=op.f('ck_vote_log_kind')),
    sa.CheckConstraint('seq >= 1', name=op.f('ck_vote_log_seq')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_vote_log_round_id_rounds')),
    sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], name=op.f('fk_vote_log_vote_id_votes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_log')),
    sa.UniqueConstraint('hash', name=op.f('uq_vote_log_hash')),
    sa.UniqueConstraint('round_id', 'seq', name=op.f('uq_vote_log_round_id_seq'))
    )
    with op.batch_alter_table('vote_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_log_vote_id'), ['vote_id'], unique=False)

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('free_prompts', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('protocol', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('protocol_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('pseudonym_salt', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('published_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supersedes_id', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('protocol_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('protocol', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('code_version', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('log_seq', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('log_head', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('stats', sa.JSON(), server_default='{}', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_snapshots_supersedes_id_snapshots'), 'snapshots', ['supersedes_id'], ['id'])

    conn = op.get_bind()
    for (round_id,) in conn.execute(sa.text('SELECT id FROM rounds')).fetchall():
        conn.execute(sa.text('UPDATE rounds SET pseudonym_salt = :salt WHERE id = :id'),
                     {'salt': secrets.token_hex(32), 'id': round_id})
    _create_append_only_triggers(conn.dialect.name)


def _create_append_only_triggers(dialect: str) -> None:
    if dialect == 'postgresql':
        op.execute("""CREATE FUNCTION arena_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$""")
        for table in APPEND_ONLY:
            op.execute(f'CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} '
                       f'FOR EACH ROW EXECUTE FUNCTION arena_append_only()')
            op.execute(f'CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} '
                       f'FOR EACH STATEMENT EXECUTE FUNCTION arena_append_only()')
    else:
        for table in APPEND_ONLY:
            for verb in ('UPDATE', 'DELETE'):
                op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: {verb} refused'); END")


def _drop_append_only_triggers(dialect: str) -> None:
    for table in APPEND_ONLY:
        if dialect == 'postgresql':
            op.execute(f'DROP TRIGGER IF EXISTS {table}_append_only ON {table}')
            op.execute(f'DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}')
        else:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_no_update')
            op.execute(f'DROP TRIGGER IF EXISTS {table}_no_delete')
    if dialect == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS arena_append_only()')


def downgrade() -> None:
    _drop_append_only_triggers(op.get_bind().dialect.name)
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_snapshots_supersedes_id_snapshots'), type_='foreignkey')
        batch_op.drop_column('stats')
        batch_op.drop_column('log_head')
        batch_op.drop_column('log_seq')
        batch_op.drop_column('code_version')
        batch_op.drop_column('protocol')
        batch_op.drop_column('protocol_version')
        batch_op.drop_column('supersedes_id')

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('published_at')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('opened_at')
        batch_op.drop_column('pseudonym_salt')
        batch_op.drop_column('protocol_version')
        batch_op.drop_column('protocol')
        batch_op.drop_column('free_prompts')

    with op.batch_alter_table('vote_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_log_vote_id'))

    op.drop_table('vote_log')
    op.drop_table('round_protocols')
    op.drop_table('log_roots')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_actor_id'))

    op.drop_table('audit_log')
