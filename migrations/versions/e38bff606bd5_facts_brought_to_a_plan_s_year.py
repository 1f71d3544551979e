"""Facts each organisation brings to a plan's year (step 1 of the cycle)

Revision ID: e38bff606bd5
Revises: 78c1982d8521
Create Date: 2026-12-02 17:17:14.711527

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e38bff606bd5'
down_revision = '78c1982d8521'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('facts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('visibility', sa.Enum('shared', 'internal', name='visibility', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('kind', sa.Enum('statistics', 'survey', 'observation', name='kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('period', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('unit', sa.String(length=60), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('attachment_key', sa.String(length=64), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(text) <= 5000', name=op.f('ck_facts_text_length')),
    sa.CheckConstraint('year BETWEEN 1990 AND 2100', name=op.f('ck_facts_year_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_facts_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_facts_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_facts_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_facts_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facts')),
    sa.UniqueConstraint('attachment_key', name=op.f('uq_facts_attachment_key'))
    )
    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.create_index('ix_facts_plan_id_year', ['plan_id', 'year'], unique=False)

    # An indicator's value may be taken from a statistics fact.
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fact_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_measurements_fact_id'), ['fact_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_measurements_fact_id_facts'), 'facts', ['fact_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_measurements_fact_id_facts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_measurements_fact_id'))
        batch_op.drop_column('fact_id')

    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.drop_index('ix_facts_plan_id_year')

    op.drop_table('facts')
