"""Configuration: refuse unsafe production settings, pick the database, tune SQLite."""

from __future__ import annotations

import base64
import secrets
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from workspace import create_app
from workspace.config import ConfigError, database_url, from_environment, secret_key_problem
from workspace.extensions import db


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        from_environment(str(tmp_path), {"SAMVERKAN_ENV": "production"})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        from_environment(str(tmp_path), {})  # production is the default


def test_production_cookies_are_secure(tmp_path):
    config = from_environment(str(tmp_path), {"SECRET_KEY": secrets.token_hex(32)})
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["REMEMBER_COOKIE_SECURE"] and config["REMEMBER_COOKIE_HTTPONLY"]
    assert config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert config["HTMX_SOURCE"] == "cdn"


@pytest.mark.parametrize(
    "key",
    [
        "x",
        "x" * 64,  # long, but one character
        "abcabcabc" * 8,  # long, but three characters
        "test-secret-key",
        secrets.token_hex(16),  # 16 random bytes: 32 hex digits
        secrets.token_hex(32)[:63],
        secrets.token_urlsafe(31),  # 42 base64 characters
        str(secrets.randbits(256))[:77],
        "Sollefteå & Kramfors!",
    ],
)
def test_production_refuses_a_key_with_less_than_32_random_bytes(tmp_path, key):
    with pytest.raises(ConfigError, match="SECRET_KEY") as refused:
        from_environment(str(tmp_path), {"SECRET_KEY": key})
    assert "secrets.token_hex(32)" in str(refused.value)  # how to make one


@pytest.mark.parametrize(
    "make",
    [
        lambda: secrets.token_hex(32),
        lambda: secrets.token_hex(32).upper(),
        lambda: secrets.token_urlsafe(32),
        lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
        lambda: "".join(secrets.choice(string.printable[:94]) for _ in range(39)),
        lambda: "".join(secrets.choice(string.digits) for _ in range(78)),
    ],
    ids=["hex", "HEX", "urlsafe", "base64", "printable", "digits"],
)
def test_production_accepts_keys_with_32_random_bytes_however_written(tmp_path, make):
    for _ in range(50):
        key = make()
        assert secret_key_problem(key) is None, key
    assert from_environment(str(tmp_path), {"SECRET_KEY": key})["SECRET_KEY"] == key


@given(st.text(max_size=38))
def test_no_key_shorter_than_39_characters_will_do(key):
    assert secret_key_problem(key) is not None


def test_a_weak_key_is_accepted_outside_production(tmp_path):
    for environment in ("development", "testing"):
        env = {"SAMVERKAN_ENV": environment, "SECRET_KEY": "x"}
        assert from_environment(str(tmp_path), env)["SECRET_KEY"] == "x"


@pytest.mark.parametrize("raw", ["-1", "one", "1.5"])
def test_trusted_proxy_count_is_a_whole_number(tmp_path, raw):
    env = {"SAMVERKAN_ENV": "testing", "TRUSTED_PROXY_COUNT": raw}
    with pytest.raises(ConfigError, match="TRUSTED_PROXY_COUNT"):
        from_environment(str(tmp_path), env)


def test_no_proxy_is_trusted_unless_configured(tmp_path):
    assert from_environment(str(tmp_path), {"SAMVERKAN_ENV": "testing"})["TRUSTED_PROXY_COUNT"] == 0
    env = {"SAMVERKAN_ENV": "testing", "TRUSTED_PROXY_COUNT": "2"}
    assert from_environment(str(tmp_path), env)["TRUSTED_PROXY_COUNT"] == 2


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
        from_environment(str(tmp_path), {"SECRET_KEY": secrets.token_hex(32), **env})


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


def test_login_secret_keys_must_be_fernet_keys(tmp_path):
    from cryptography.fernet import Fernet

    good, older = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    dev = {"SAMVERKAN_ENV": "development"}
    config = from_environment(str(tmp_path), {**dev, "LOGIN_SECRET_KEYS": f"{good}, {older}"})
    assert config["LOGIN_SECRET_KEYS"] == [good.encode(), older.encode()]
    assert from_environment(str(tmp_path), dev)["LOGIN_SECRET_KEYS"] == []
    with pytest.raises(ConfigError, match="LOGIN_SECRET_KEYS must be Fernet keys"):
        from_environment(str(tmp_path), {**dev, "LOGIN_SECRET_KEYS": "not-a-key"})


def test_a_rotated_login_secret_key_still_reads_the_old_secrets(tmp_path):
    from cryptography.fernet import Fernet

    from workspace.services import identity

    old, new = Fernet.generate_key(), Fernet.generate_key()
    app = create_app(
        {
            "SAMVERKAN_ENV": "testing",
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "LOGIN_SECRET_KEYS": [old],
        }
    )
    with app.app_context():
        stored = identity.encrypt_secret("the client secret")
    app.config["LOGIN_SECRET_KEYS"] = [new, old]
    with app.app_context():
        provider = type("Stored", (), {"client_secret_encrypted": stored})()
        assert identity.client_secret(provider) == "the client secret"
    app.config["LOGIN_SECRET_KEYS"] = [new]
    with app.app_context(), pytest.raises(identity.SecretUnreadable):
        identity.client_secret(provider)
