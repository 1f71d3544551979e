"""Notifications: outbox, settings and watched activities

Revision ID: 78c1982d8521
Revises: 8d4f1a2b6c70
Create Date: 2026-12-02 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '78c1982d8521'
down_revision = '8d4f1a2b6c70'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('round_opened', 'due_soon', 'due_today', 'overdue', 'function_vacant', 'mention', 'activity_changed', 'password_link', name='kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('delivery', sa.Enum('immediate', 'daily', 'never', name='delivery', native_enum=False, create_constraint=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_settings'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('round_opened', 'due_soon', 'due_today', 'overdue', 'function_vacant', 'mention', 'activity_changed', 'password_link', name='kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('reason', sa.JSON(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('deliver_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mail_state', sa.Enum('pending', 'sending', 'sent', 'failed', 'not_mailed', name='mail_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_notifications_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notifications_dedupe_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_mail_state_deliver_after', ['mail_state', 'deliver_after'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_notifications_user_id_read_at', ['user_id', 'read_at'], unique=False)

    op.create_table('activity_watches',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_watches_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activity_watches_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'activity_id', name=op.f('pk_activity_watches'))
    )
    with op.batch_alter_table('activity_watches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_watches_activity_id'), ['activity_id'], unique=False)



def downgrade():
    with op.batch_alter_table('activity_watches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_watches_activity_id'))

    op.drop_table('activity_watches')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_id_read_at')
        batch_op.drop_index(batch_op.f('ix_notifications_organisation_id'))
        batch_op.drop_index('ix_notifications_mail_state_deliver_after')

    op.drop_table('notifications')
    op.drop_table('notification_settings')
