"""Fixtures: an app per test on a fresh copy of a database built once per session.

The database is built the production way (Alembic upgrade) and filled through the services
(the demo data), then copied for every test: a file copy on SQLite, `CREATE DATABASE ...
TEMPLATE` on PostgreSQL (set `DATABASE_URL` to run the suite there).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from workspace import create_app
from workspace.extensions import db
from workspace.services import demo

DEMO_PASSWORD = demo.DEMO_PASSWORD


def _app_config(database_uri: str, **extra: Any) -> dict[str, Any]:
    return {
        "SAMVERKAN_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "HTMX_SOURCE": "local",
        **extra,
    }


class SqliteDatabases:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    def template_uri(self, name: str) -> str:
        return f"sqlite:///{self.root / (name + '.sqlite3')}"

    def fresh(self, name: str) -> str:
        self.count += 1
        target = self.root / f"test-{self.count}.sqlite3"
        shutil.copyfile(self.root / f"{name}.sqlite3", target)
        return f"sqlite:///{target}"

    def drop(self, uri: str) -> None:
        path = Path(make_url(uri).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


class PostgresDatabases:
    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.base = self.url.database or "workspace_test"
        admin = self.url.set(drivername="postgresql", database="postgres")
        self.admin_dsn = admin.render_as_string(hide_password=False)

    def _admin(self, *statements: str) -> None:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def template_uri(self, name: str) -> str:
        database = f"{self.base}_{name}"
        self._admin(
            f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', f'CREATE DATABASE "{database}"'
        )
        return self.url.set(database=database).render_as_string(hide_password=False)

    def fresh(self, name: str) -> str:
        database = self.base
        self._admin(
            f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
            f'CREATE DATABASE "{database}" TEMPLATE "{self.base}_{name}"',
        )
        return self.url.set(database=database).render_as_string(hide_password=False)

    def drop(self, uri: str) -> None:
        pass  # the next test drops and recreates it


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> SqliteDatabases | PostgresDatabases:
    url = os.environ.get("DATABASE_URL")
    if url:
        assert re.match(r"postgres(ql)?(\+psycopg)?://", url), "DATABASE_URL must be PostgreSQL"
        url = url.replace("postgres://", "postgresql+psycopg://", 1)
        if url.startswith("postgresql://"):
            url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        return PostgresDatabases(url)
    return SqliteDatabases(tmp_path_factory.mktemp("databases"))


def _build_template(databases: SqliteDatabases | PostgresDatabases, name: str) -> None:
    app = create_app(_app_config(databases.template_uri(name)))
    with app.app_context():
        upgrade()
        if name == "demo":
            demo.load_demo_data()
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()


@pytest.fixture(scope="session")
def templates(
    databases: SqliteDatabases | PostgresDatabases,
) -> SqliteDatabases | PostgresDatabases:
    for name in ("empty", "demo"):
        _build_template(databases, name)
    return databases


def _make_app(databases: SqliteDatabases | PostgresDatabases, name: str) -> Iterator[Flask]:
    uri = databases.fresh(name)
    with tempfile.TemporaryDirectory(prefix="samverkan-files-") as files:
        app = create_app(_app_config(uri, ATTACHMENT_DIR=files))
        # No app context stays pushed: each request gets its own session, as in production.
        yield app
        with app.app_context():
            db.engine.dispose()
    databases.drop(uri)


@pytest.fixture
def app(templates: SqliteDatabases | PostgresDatabases) -> Iterator[Flask]:
    """An app on a fresh copy of the demo workspace (seed plan, demo users, some history)."""
    yield from _make_app(templates, "demo")


@pytest.fixture
def empty_app(templates: SqliteDatabases | PostgresDatabases) -> Iterator[Flask]:
    """An app on a migrated but empty database."""
    yield from _make_app(templates, "empty")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_token_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class Auth:
    """Logs a test client in through the real login form, CSRF token included."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(
        self, organisation: str, email: str | None = None, password: str = DEMO_PASSWORD
    ) -> Any:
        """`login("kramfors", "lasare")` logs in lasare@kramfors.example."""
        page = self.client.get("/login")
        if email is None or "@" not in email:
            email = f"{email or 'lasare'}@{organisation}.example"
        return self.client.post(
            "/login",
            data={
                "csrf_token": csrf_token_from(page.get_data(as_text=True)),
                "organisation": organisation,
                "email": email,
                "password": password,
            },
        )

    def csrf_token(self, path: str = "/login") -> str:
        return csrf_token_from(self.client.get(path).get_data(as_text=True))


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)
