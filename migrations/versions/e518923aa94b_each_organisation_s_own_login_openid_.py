"""Each organisation's own login (OpenID Connect)

Revision ID: e518923aa94b
Revises: c14e3fd90509
Create Date: 2026-12-02 20:51:35.184203

An organisation's OpenID Connect provider (its client secret encrypted), and who each user
is at it (issuer and subject, bound at the first login there).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e518923aa94b'
down_revision = 'c14e3fd90509'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('identity_providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('client_secret_encrypted', sa.Text(), nullable=False),
    sa.Column('password_login', sa.Boolean(), nullable=False),
    sa.Column('creates_unknown_users', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_identity_providers_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_identity_providers_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_providers')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_identity_providers_organisation_id'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('login_issuer', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('login_subject', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_login_issuer_login_subject'), ['login_issuer', 'login_subject'])



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_login_issuer_login_subject'), type_='unique')
        batch_op.drop_column('login_subject')
        batch_op.drop_column('login_issuer')

    op.drop_table('identity_providers')
