"""Correcting values, editing and archiving indicators

Revision ID: aea8bb161400
Revises: a11c0f5e7d21
Create Date: 2026-12-01 21:51:46.623708

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'aea8bb161400'
down_revision = 'a11c0f5e7d21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_indicators_updated_by_id_users'), 'users', ['updated_by_id'], ['id'])

    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('removed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_measurements_removed_by_id_users'), 'users', ['removed_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_measurements_updated_by_id_users'), 'users', ['updated_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_measurements_updated_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_measurements_removed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('removed_by_id')
        batch_op.drop_column('removed_at')
        batch_op.drop_column('updated_by_id')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('version')

    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_indicators_updated_by_id_users'), type_='foreignkey')
        batch_op.drop_column('archived_at')
        batch_op.drop_column('updated_by_id')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('version')

