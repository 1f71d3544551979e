"""Parts of the situation picture cite facts

Revision ID: 7798e600d87a
Revises: ebd7e3d54e05
Create Date: 2026-12-02 21:00:07.888692

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7798e600d87a'
down_revision = 'ebd7e3d54e05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('situation_section_facts',
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('fact_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['fact_id'], ['facts.id'], name=op.f('fk_situation_section_facts_fact_id_facts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['section_id'], ['situation_sections.id'], name=op.f('fk_situation_section_facts_section_id_situation_sections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('section_id', 'fact_id', name=op.f('pk_situation_section_facts'))
    )
    with op.batch_alter_table('situation_section_facts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_situation_section_facts_fact_id'), ['fact_id'], unique=False)


def downgrade():
    with op.batch_alter_table('situation_section_facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_situation_section_facts_fact_id'))

    op.drop_table('situation_section_facts')