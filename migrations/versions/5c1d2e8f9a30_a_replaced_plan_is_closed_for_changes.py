"""A replaced plan is closed for changes unless a coordinator reopens it

Revision ID: 5c1d2e8f9a30
Revises: f2c81d4b7a90
Create Date: 2026-12-14 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1d2e8f9a30'
down_revision = 'f2c81d4b7a90'
branch_labels = None
depends_on = None


def upgrade():
    # Plans copied before this revision carry no marker: they stay open, as they were.
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reopened_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('version', sa.Integer(), nullable=False, server_default='1')
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_plans_replaced_by_id_plans'),
            'plans',
            ['replaced_by_id'],
            ['id'],
            ondelete='SET NULL',
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_plans_reopened_by_id_users'), 'users', ['reopened_by_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plans_reopened_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_plans_replaced_by_id_plans'), type_='foreignkey')
        batch_op.drop_column('version')
        batch_op.drop_column('reopened_by_id')
        batch_op.drop_column('reopened_at')
        batch_op.drop_column('ended_at')
        batch_op.drop_column('replaced_by_id')
