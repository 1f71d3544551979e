"""Links of a problem versioned on their own

Revision ID: ebd7e3d54e05
Revises: 35f8a3ec8d0c
Create Date: 2026-12-02 20:52:26.944967

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ebd7e3d54e05'
down_revision = '35f8a3ec8d0c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.add_column(sa.Column('links_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.drop_column('links_version')
