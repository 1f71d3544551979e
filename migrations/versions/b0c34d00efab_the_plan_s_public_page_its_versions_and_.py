"""The plan's public page: its frozen versions and each organisation's agreement

Revision ID: b0c34d00efab
Revises: e518923aa94b
Create Date: 2026-12-02 20:46:55.301233

A version's content is JSON taken when it is prepared; nothing in it points back at the plan.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b0c34d00efab'
down_revision = 'e518923aa94b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('prepared_by_id', sa.Integer(), nullable=False),
    sa.Column('prepared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_publications_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['users.id'], name=op.f('fk_publications_prepared_by_id_users')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_publications_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publications')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_publications_plan_id_number'))
    )
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publications_plan_id'), ['plan_id'], unique=False)

    op.create_table('publication_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('coordinator_id', sa.Integer(), nullable=False),
    sa.Column('agreed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coordinator_id'], ['users.id'], name=op.f('fk_publication_agreements_coordinator_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_publication_agreements_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_publication_agreements_publication_id_publications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_agreements')),
    sa.UniqueConstraint('publication_id', 'organisation_id', name=op.f('uq_publication_agreements_publication_id_organisation_id'))
    )
    with op.batch_alter_table('publication_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_agreements_publication_id'), ['publication_id'], unique=False)



def downgrade():
    with op.batch_alter_table('publication_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_agreements_publication_id'))

    op.drop_table('publication_agreements')
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publications_plan_id'))

    op.drop_table('publications')
