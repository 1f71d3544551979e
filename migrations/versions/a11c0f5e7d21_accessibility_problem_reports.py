"""Accessibility problem reports

Revision ID: a11c0f5e7d21
Revises: e7ab6f734fa4
Create Date: 2026-11-25 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a11c0f5e7d21'
down_revision = 'e7ab6f734fa4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('accessibility_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('page_address', sa.String(length=500), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accessibility_reports'))
    )


def downgrade():
    op.drop_table('accessibility_reports')
