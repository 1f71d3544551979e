"""The annual evaluation, its sections and agreements

Revision ID: 723a54900511
Revises: b0c34d00efab
Create Date: 2026-12-02 20:46:18.626773

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '723a54900511'
down_revision = 'b0c34d00efab'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('content_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('figures_taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fixed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fixed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_evaluations_created_by_id_users')),
    sa.ForeignKeyConstraint(['fixed_by_id'], ['users.id'], name=op.f('fk_evaluations_fixed_by_id_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_evaluations_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations')),
    sa.UniqueConstraint('plan_id', 'year', name=op.f('uq_evaluations_plan_id_year'))
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_plan_id'), ['plan_id'], unique=False)

    op.create_table('evaluation_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('content_version', sa.Integer(), nullable=False),
    sa.Column('agreed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_evaluation_agreements_evaluation_id_evaluations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_evaluation_agreements_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_evaluation_agreements_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_agreements')),
    sa.UniqueConstraint('evaluation_id', 'organisation_id', name=op.f('uq_evaluation_agreements_evaluation_id_organisation_id'))
    )
    with op.batch_alter_table('evaluation_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_agreements_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('evaluation_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('part', sa.Enum('summary', 'area', 'problems', 'council', name='evaluation_part', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('heading', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_evaluation_sections_area_id_areas'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_evaluation_sections_evaluation_id_evaluations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_evaluation_sections_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_sections')),
    sa.UniqueConstraint('evaluation_id', 'position', name=op.f('uq_evaluation_sections_evaluation_id_position'))
    )
    with op.batch_alter_table('evaluation_sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_sections_evaluation_id'), ['evaluation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('evaluation_sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_sections_evaluation_id'))

    op.drop_table('evaluation_sections')
    with op.batch_alter_table('evaluation_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_agreements_evaluation_id'))

    op.drop_table('evaluation_agreements')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluations_plan_id'))

    op.drop_table('evaluations')
