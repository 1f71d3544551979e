"""The joint situation picture, its problems and its thread

Revision ID: c14e3fd90509
Revises: e38bff606bd5
Create Date: 2026-12-02 17:16:04.328198

Citing facts comes as a link table of its own later; nothing here changes for it.

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'c14e3fd90509'
down_revision = 'e38bff606bd5'
branch_labels = None
depends_on = None

OLD_GENERAL = 'activity_id IS NULL AND round_id IS NULL'
GENERAL = OLD_GENERAL + ' AND situation_picture_id IS NULL'
OLD_ONE_SUBJECT = 'activity_id IS NULL OR round_id IS NULL'
ONE_SUBJECT = (
    '(activity_id IS NULL OR round_id IS NULL) AND (situation_picture_id IS NULL'
    ' OR (activity_id IS NULL AND round_id IS NULL))'
)


def upgrade():
    op.create_table('situation_pictures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('content_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('fixed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fixed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_situation_pictures_created_by_id_users')),
    sa.ForeignKeyConstraint(['fixed_by_id'], ['users.id'], name=op.f('fk_situation_pictures_fixed_by_id_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_situation_pictures_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_situation_pictures')),
    sa.UniqueConstraint('plan_id', 'year', name=op.f('uq_situation_pictures_plan_id_year'))
    )
    with op.batch_alter_table('situation_pictures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_situation_pictures_plan_id'), ['plan_id'], unique=False)

    op.create_table('problems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('picture_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['picture_id'], ['situation_pictures.id'], name=op.f('fk_problems_picture_id_situation_pictures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problems'))
    )
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problems_picture_id'), ['picture_id'], unique=False)

    op.create_table('situation_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('picture_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('content_version', sa.Integer(), nullable=False),
    sa.Column('agreed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_situation_agreements_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['picture_id'], ['situation_pictures.id'], name=op.f('fk_situation_agreements_picture_id_situation_pictures'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_situation_agreements_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_situation_agreements')),
    sa.UniqueConstraint('picture_id', 'organisation_id', name=op.f('uq_situation_agreements_picture_id_organisation_id'))
    )
    with op.batch_alter_table('situation_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_situation_agreements_picture_id'), ['picture_id'], unique=False)

    op.create_table('situation_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('picture_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.Enum('mapping', 'other', 'analysis', name='situation_part', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['picture_id'], ['situation_pictures.id'], name=op.f('fk_situation_sections_picture_id_situation_pictures'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_situation_sections_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_situation_sections')),
    sa.UniqueConstraint('picture_id', 'part', name=op.f('uq_situation_sections_picture_id_part'))
    )
    with op.batch_alter_table('situation_sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_situation_sections_picture_id'), ['picture_id'], unique=False)

    op.create_table('problem_activities',
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_problem_activities_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['problem_id'], ['problems.id'], name=op.f('fk_problem_activities_problem_id_problems'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('problem_id', 'activity_id', name=op.f('pk_problem_activities'))
    )
    with op.batch_alter_table('problem_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_activities_activity_id'), ['activity_id'], unique=False)

    op.create_table('problem_areas',
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_problem_areas_area_id_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['problem_id'], ['problems.id'], name=op.f('fk_problem_areas_problem_id_problems'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('problem_id', 'area_id', name=op.f('pk_problem_areas'))
    )
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('situation_picture_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_threads_situation_picture_id'), ['situation_picture_id'])
        batch_op.create_foreign_key(batch_op.f('fk_threads_situation_picture_id_situation_pictures'), 'situation_pictures', ['situation_picture_id'], ['id'], ondelete='CASCADE')
        # A thread has at most one subject, and the general one has none of the three.
        batch_op.drop_constraint(batch_op.f('ck_threads_one_subject'), type_='check')
        batch_op.create_check_constraint('one_subject', ONE_SUBJECT)
        batch_op.drop_index('uq_threads_general_per_plan')
        batch_op.create_index('uq_threads_general_per_plan', ['plan_id'], unique=True, sqlite_where=sa.text(GENERAL), postgresql_where=sa.text(GENERAL))



def downgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('uq_threads_general_per_plan')
        batch_op.create_index('uq_threads_general_per_plan', ['plan_id'], unique=True, sqlite_where=sa.text(OLD_GENERAL), postgresql_where=sa.text(OLD_GENERAL))
        batch_op.drop_constraint(batch_op.f('ck_threads_one_subject'), type_='check')
        batch_op.create_check_constraint('one_subject', OLD_ONE_SUBJECT)
        batch_op.drop_constraint(batch_op.f('fk_threads_situation_picture_id_situation_pictures'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_threads_situation_picture_id'), type_='unique')
        batch_op.drop_column('situation_picture_id')

    op.drop_table('problem_areas')
    with op.batch_alter_table('problem_activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_activities_activity_id'))

    op.drop_table('problem_activities')
    with op.batch_alter_table('situation_sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_situation_sections_picture_id'))

    op.drop_table('situation_sections')
    with op.batch_alter_table('situation_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_situation_agreements_picture_id'))

    op.drop_table('situation_agreements')
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problems_picture_id'))

    op.drop_table('problems')
    with op.batch_alter_table('situation_pictures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_situation_pictures_plan_id'))

    op.drop_table('situation_pictures')
