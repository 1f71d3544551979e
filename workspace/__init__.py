"""Samverkan: a shared workspace for following up a joint crime-prevention action plan."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_module
from . import i18n
from .extensions import babel, compress, csrf, db, limiter, login_manager, mail, migrate
from .routing import IdConverter

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent


def resource_dir(name: str) -> Path:
    """Where templates, static files and migrations are: inside the package when installed
    from a wheel (the build copies them there), at the checkout's root otherwise."""
    packaged = PACKAGE_DIR / name
    return packaged if packaged.is_dir() else PROJECT_ROOT / name


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    # WAL lets readers work while one writer commits; the busy timeout makes a second writer
    # wait instead of failing; SQLite only enforces foreign keys when asked.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Engine, "savepoint")
def _begin_before_savepoint(conn: Any, name: str) -> None:
    # Python's sqlite3 only opens a transaction before INSERT/UPDATE/DELETE, so a SAVEPOINT
    # issued first would start a transaction of its own that RELEASE commits, and a later
    # failure could no longer roll back what was written inside it (a thread without its
    # first comment). Opening the transaction first keeps one user action one transaction.
    dbapi_connection = conn.connection.dbapi_connection
    if isinstance(dbapi_connection, sqlite3.Connection) and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `config` overrides the environment (tests pass their own)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.url_map.converters["int"] = IdConverter
    os.makedirs(app.instance_path, exist_ok=True)
    _configure(app, dict(config or {}))
    _trust_proxies(app)
    _init_extensions(app)
    _register_web(app)
    return app


def _configure(app: Flask, overrides: dict[str, Any]) -> None:
    env = {**os.environ, **{k: v for k, v in overrides.items() if isinstance(v, str)}}
    app.config.update(config_module.from_environment(app.instance_path, env))
    app.config.update(config_module.mail_settings(env))
    app.config.update(overrides)
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "postgresql":
        # A restarted server leaves dead connections in the pool; test each one before use
        # so the first request after an outage works instead of failing on a stale one.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        }


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXY_COUNT proxies the client's address, scheme and host come from the
    X-Forwarded-* headers they add; without it every user would share the proxy's address
    and its login limit."""
    count = int(app.config["TRUSTED_PROXY_COUNT"])
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(PACKAGE_DIR / "translations"),
    )
    login_manager.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    mail.init_app(app)


def _register_web(app: Flask) -> None:
    """Request hooks, error pages, the blueprints and the commands."""
    from . import assets, cli, security, templating, transactions
    from .web import (
        accessibility,
        account,
        activities,
        admin,
        assignments,
        auth,
        content,
        council,
        cycle,
        errors,
        evaluation,
        facts,
        notifications,
        plans,
        publication,
        reports,
        rounds,
        situation,
        threads,
    )

    transactions.register(app)
    auth.configure_login(login_manager)
    templating.configure(app)
    assets.register(app)
    security.register(app)
    errors.register(app)
    for feature in (
        auth,
        plans,
        activities,
        assignments,
        threads,
        rounds,
        facts,
        admin,
        account,
        notifications,
        content,
        reports,
        accessibility,
        situation,
        publication,
        evaluation,
        council,
        cycle,
    ):
        app.register_blueprint(feature.bp)
    cli.register(app)
