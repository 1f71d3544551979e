"""The council's and the working group's meetings, who came from each organisation, and
what they decided (#19)

Revision ID: c385baf7eb15
Revises: 723a54900511
Create Date: 2026-12-02 20:46:29.132647

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c385baf7eb15'
down_revision = '723a54900511'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('council_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Enum('council', 'working_group', name='council_body', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('decisions', sa.Text(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(decisions) <= 10000', name=op.f('ck_council_meetings_decisions_length')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_council_meetings_created_by_id_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_council_meetings_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['follow_up_rounds.id'], name=op.f('fk_council_meetings_round_id_follow_up_rounds'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_council_meetings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_meetings')),
    sa.UniqueConstraint('plan_id', 'body', 'held_on', name=op.f('uq_council_meetings_plan_id_body_held_on'))
    )
    with op.batch_alter_table('council_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_meetings_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_meetings_round_id'), ['round_id'], unique=False)

    op.create_table('meeting_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Boolean(), nullable=False),
    sa.Column('attendees', sa.SmallInteger(), nullable=True),
    sa.CheckConstraint('attendees IS NULL OR attendees BETWEEN 1 AND 99', name=op.f('ck_meeting_attendance_attendees_range')),
    sa.ForeignKeyConstraint(['meeting_id'], ['council_meetings.id'], name=op.f('fk_meeting_attendance_meeting_id_council_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_meeting_attendance_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendance')),
    sa.UniqueConstraint('meeting_id', 'organisation_id', name=op.f('uq_meeting_attendance_meeting_id_organisation_id'))
    )


def downgrade():
    op.drop_table('meeting_attendance')
    with op.batch_alter_table('council_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_meetings_round_id'))
        batch_op.drop_index(batch_op.f('ix_council_meetings_plan_id'))

    op.drop_table('council_meetings')
