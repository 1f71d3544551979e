"""The schema comes from Alembic, and it is exactly what the models describe."""

from __future__ import annotations

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from tests.factories import demo_user
from workspace.extensions import db
from workspace.services import demo


def test_migrations_build_the_schema_the_models_describe(empty_app):
    with empty_app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_the_database_is_at_the_newest_revision(empty_app):
    with empty_app.app_context(), db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        assert "alembic_version" in tables
        assert {"assignments", "status_changes", "audit_events", "plans"} <= tables
        current = MigrationContext.configure(connection).get_current_heads()
        config = empty_app.extensions["migrate"].migrate.get_config()
        assert set(current) == set(ScriptDirectory.from_config(config).get_heads())


# The revision before this year's additions (own login, public page, evaluation, meetings,
# the cycle's links): a database a running installation has, full of rows.
EARLIER_RELEASE = "c14e3fd90509"


def test_a_database_with_a_year_of_data_upgrades_and_keeps_every_row(app):
    """On SQLite an altered table is rebuilt; with rows pointing at it (every table points at
    users) that fails unless the migration holds the foreign keys off while it runs."""
    kept = ("users", "comments", "status_changes", "reports", "facts", "situation_sections")
    with app.app_context():
        demo.load_demo_history()
        db.session.commit()
        before = _counts(kept)
        db.session.remove()
        flask_migrate.downgrade(revision=EARLIER_RELEASE)
        flask_migrate.upgrade()
        assert _counts(kept) == before
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
        config = app.extensions["migrate"].migrate.get_config()
        assert set(current) == set(ScriptDirectory.from_config(config).get_heads())
        assert demo_user("kramfors", "samordnare").organisation.slug == "kramfors"


def _counts(tables: tuple[str, ...]) -> dict[str, int]:
    return {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}
