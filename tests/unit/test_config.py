"""Configuration: refuse unsafe production settings, pick the database, tune SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from workspace import create_app
from workspace.config import ConfigError, database_url, from_environment
from workspace.extensions import db


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        from_environment(str(tmp_path), {"SAMVERKAN_ENV": "production"})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        from_environment(str(tmp_path), {})  # production is the default


def test_production_cookies_are_secure(tmp_path):
    config = from_environment(str(tmp_path), {"SECRET_KEY": "x" * 40})
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["REMEMBER_COOKIE_SECURE"] and config["REMEMBER_COOKIE_HTTPONLY"]
    assert config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert config["HTMX_SOURCE"] == "cdn"


def test_development_runs_without_a_secret_key(tmp_path):
    config = from_environment(str(tmp_path), {"SAMVERKAN_ENV": "development"})
    assert config["SECRET_KEY"]
    assert not config["SESSION_COOKIE_SECURE"]


@pytest.mark.parametrize(
    ("env", "message"),
    [({"SAMVERKAN_ENV": "staging"}, "SAMVERKAN_ENV"), ({"HTMX_SOURCE": "web"}, "HTMX_SOURCE")],
)
def test_unknown_settings_are_named(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        from_environment(str(tmp_path), {"SECRET_KEY": "x", **env})


def test_sqlite_in_the_instance_folder_by_default(tmp_path):
    assert database_url({}, str(tmp_path)) == f"sqlite:///{tmp_path / 'samverkan.sqlite3'}"


@pytest.mark.parametrize(
    "url",
    ["postgres://u@h/db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db"],
)
def test_database_url_selects_postgresql_through_psycopg(tmp_path, url):
    assert database_url({"DATABASE_URL": url}, str(tmp_path)) == "postgresql+psycopg://u@h/db"


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path):
    app = create_app(
        {
            "SAMVERKAN_ENV": "testing",
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        }
    )
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        db.engine.dispose()


def test_pooled_connections_to_a_server_are_checked_before_use(tmp_path):
    """A PostgreSQL server may drop connections (restart, failover); a SQLite file cannot,
    so its connections are not pinged before every request."""
    for uri, pinged in (
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", True),
        (f"sqlite:///{tmp_path / 'x.sqlite3'}", False),
    ):
        app = create_app(
            {"SAMVERKAN_ENV": "testing", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": uri}
        )
        with app.app_context():
            assert db.engine.pool._pre_ping is pinged
            db.engine.dispose()
