"""Problems carried over to the next year

Revision ID: 35f8a3ec8d0c
Revises: c385baf7eb15
Create Date: 2026-12-02 20:51:28.770936

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '35f8a3ec8d0c'
down_revision = 'c385baf7eb15'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carried_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_problems_carried_from_id_problems'), 'problems', ['carried_from_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_problems_carried_from_id_problems'), type_='foreignkey')
        batch_op.drop_column('carried_from_id')
