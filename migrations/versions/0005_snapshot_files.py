"""snapshots: the release files stored at publication, and one correction per snapshot

`snapshot_files` keeps each snapshot's votes.jsonl and log.jsonl as published (gzip-compressed), so
downloads serve stored bytes instead of rebuilding the release per request; like the snapshots it is
append-only (UPDATE, DELETE and TRUNCATE refused, with migration 0004's trigger function on
PostgreSQL). A unique index on snapshots.supersedes_id: no snapshot is corrected twice.
Snapshots published before this revision have no stored files; their downloads are rebuilt.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TABLE = 'snapshot_files'


def upgrade() -> None:
    op.create_table(TABLE,
    sa.Column('snapshot_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("name IN ('votes.jsonl', 'log.jsonl')", name=op.f('ck_snapshot_files_name')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshots.id'], name=op.f('fk_snapshot_files_snapshot_id_snapshots')),
    sa.PrimaryKeyConstraint('snapshot_id', 'name', name=op.f('pk_snapshot_files'))
    )
    op.create_index('ix_snapshots_supersedes_id', 'snapshots', ['supersedes_id'], unique=True)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} '
                   f'FOR EACH ROW EXECUTE FUNCTION arena_append_only()')
        op.execute(f'CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} '
                   f'FOR EACH STATEMENT EXECUTE FUNCTION arena_append_only()')
    else:
        for verb in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
                       f"BEGIN SELECT RAISE(ABORT, 'append-only table {TABLE}: {verb} refused'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}')
        op.execute(f'DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}')
    op.drop_index('ix_snapshots_supersedes_id', table_name='snapshots')
    op.drop_table(TABLE)
