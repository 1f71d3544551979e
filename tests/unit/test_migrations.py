"""The schema comes from Alembic, and it is exactly what the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from workspace.extensions import db


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
