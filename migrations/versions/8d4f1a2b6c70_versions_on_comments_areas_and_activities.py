"""Versions on comments, areas and activities, so a stale edit conflicts instead of overwriting

Revision ID: 8d4f1a2b6c70
Revises: 5c1d2e8f9a30
Create Date: 2026-12-15 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d4f1a2b6c70'
down_revision = '5c1d2e8f9a30'
branch_labels = None
depends_on = None

TABLES = ('comments', 'areas', 'activities')


def upgrade():
    # Existing rows start at version 1, as new ones do.
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('version', sa.Integer(), nullable=False, server_default='1')
            )


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
