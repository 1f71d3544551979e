"""Function holding history

Revision ID: f2c81d4b7a90
Revises: aea8bb161400
Create Date: 2026-12-01 22:00:00.000000

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f2c81d4b7a90'
down_revision = 'aea8bb161400'
branch_labels = None
depends_on = None


def upgrade():
    holdings = op.create_table('function_holdings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('function_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('held_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('held_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by_deactivation', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['function_id', 'organisation_id'], ['functions.id', 'functions.organisation_id'], name='fk_function_holdings_function', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id', 'organisation_id'], ['users.id', 'users.organisation_id'], name='fk_function_holdings_user', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_function_holdings'))
    )
    with op.batch_alter_table('function_holdings', schema=None) as batch_op:
        batch_op.create_index('ix_function_holdings_function', ['function_id'], unique=False)
        batch_op.create_index('ix_function_holdings_user_until', ['user_id', 'held_until'], unique=False)

    # Today's holders open their history now: when they were appointed was never recorded.
    holders = sa.table(
        'function_holders',
        sa.column('user_id', sa.Integer()),
        sa.column('function_id', sa.Integer()),
        sa.column('organisation_id', sa.Integer()),
    )
    now = datetime.now(timezone.utc)
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(holders.c.user_id, holders.c.function_id, holders.c.organisation_id)
    ).all()
    if rows:
        op.bulk_insert(holdings, [
            {'user_id': r.user_id, 'function_id': r.function_id, 'organisation_id': r.organisation_id,
             'held_from': now, 'held_until': None, 'ended_by_deactivation': False}
            for r in rows
        ])


def downgrade():
    with op.batch_alter_table('function_holdings', schema=None) as batch_op:
        batch_op.drop_index('ix_function_holdings_user_until')
        batch_op.drop_index('ix_function_holdings_function')

    op.drop_table('function_holdings')
