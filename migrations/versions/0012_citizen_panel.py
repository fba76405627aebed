"""citizen panel: panels per round, single-use invitations (hashed), members with their stratum, assignments

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa



revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'panels',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('round_id', sa.String(length=40), nullable=False),
        sa.Column('strata', sa.JSON(), nullable=False),
        sa.Column('margins', sa.JSON(), nullable=False),
        sa.Column('targets', sa.JSON(), nullable=False),
        sa.Column('quota', sa.Integer(), nullable=False),
        sa.Column('trim_low', sa.Float(), nullable=False),
        sa.Column('trim_high', sa.Float(), nullable=False),
        sa.Column('max_points', sa.Float(), nullable=False),
        sa.Column('seed', sa.Integer(), nullable=False),
        sa.Column('deck', sa.JSON(), nullable=True),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('quota > 0', name=op.f('ck_panels_quota_positive')),
        sa.CheckConstraint('trim_low > 0 AND trim_low <= 1 AND trim_high >= 1', name=op.f('ck_panels_trim_bounds')),
        sa.CheckConstraint('max_points > 0', name=op.f('ck_panels_points_positive')),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_panels_round_id_rounds')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_panels')),
    )
    op.create_index(op.f('ix_panels_round_id'), 'panels', ['round_id'], unique=False)
    op.create_table(
        'panel_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('panel_id', sa.String(length=40), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('stratum', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('redeemed_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('redeemed_at IS NULL OR revoked_at IS NULL',
                           name=op.f('ck_panel_invitations_redeemed_or_revoked')),
        sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], name=op.f('fk_panel_invitations_panel_id_panels')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_invitations')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_panel_invitations_code_hash')),
    )
    op.create_index(op.f('ix_panel_invitations_panel_id'), 'panel_invitations', ['panel_id'], unique=False)
    op.create_table(
        'panel_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('panel_id', sa.String(length=40), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('invitation_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('stratum', sa.JSON(), nullable=False),
        sa.Column('joined_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['invitation_id'], ['panel_invitations.id'],
                                name=op.f('fk_panel_members_invitation_id_panel_invitations')),
        sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], name=op.f('fk_panel_members_panel_id_panels')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_panel_members_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_members')),
        sa.UniqueConstraint('invitation_id', name=op.f('uq_panel_members_invitation_id')),
        sa.UniqueConstraint('panel_id', 'seq', name=op.f('uq_panel_members_panel_id_seq')),
        sa.UniqueConstraint('panel_id', 'user_id', name=op.f('uq_panel_members_panel_id_user_id')),
    )
    op.create_index(op.f('ix_panel_members_user_id'), 'panel_members', ['user_id'], unique=False)
    op.create_table(
        'panel_assignments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('prompt_id', sa.String(length=40), nullable=False),
        sa.Column('model_a_id', sa.Integer(), nullable=False),
        sa.Column('model_b_id', sa.Integer(), nullable=False),
        sa.Column('battle_id', sa.String(length=40), nullable=True),
        sa.CheckConstraint('model_a_id <> model_b_id', name=op.f('ck_panel_assignments_distinct_models')),
        sa.ForeignKeyConstraint(['battle_id'], ['battles.id'], name=op.f('fk_panel_assignments_battle_id_battles')),
        sa.ForeignKeyConstraint(['member_id'], ['panel_members.id'],
                                name=op.f('fk_panel_assignments_member_id_panel_members')),
        sa.ForeignKeyConstraint(['model_a_id'], ['models.id'], name=op.f('fk_panel_assignments_model_a_id_models')),
        sa.ForeignKeyConstraint(['model_b_id'], ['models.id'], name=op.f('fk_panel_assignments_model_b_id_models')),
        sa.ForeignKeyConstraint(['prompt_id'], ['prompts.id'], name=op.f('fk_panel_assignments_prompt_id_prompts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_assignments')),
        sa.UniqueConstraint('member_id', 'position', name=op.f('uq_panel_assignments_member_id_position')),
    )
    op.create_index('ix_panel_assignments_battle', 'panel_assignments', ['battle_id'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_panel_assignments_battle', table_name='panel_assignments')
    op.drop_table('panel_assignments')
    op.drop_index(op.f('ix_panel_members_user_id'), table_name='panel_members')
    op.drop_table('panel_members')
    op.drop_index(op.f('ix_panel_invitations_panel_id'), table_name='panel_invitations')
    op.drop_table('panel_invitations')
    op.drop_index(op.f('ix_panels_round_id'), table_name='panels')
    op.drop_table('panels')
