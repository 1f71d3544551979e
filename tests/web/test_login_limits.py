"""Guessing passwords is stopped without locking anyone else out (OWASP): per account and
address, per address, and a much higher ceiling per account; a proxy's clients count apart."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from tests.conftest import Auth, _app_config
from workspace import create_app
from workspace.extensions import db

ATTACKER, VICTIM, THIRD = "203.0.113.7", "198.51.100.20", "192.0.2.44"
WRONG = "fel-fel-fel"


def client_at(app: Flask, address: str, forwarded_for: str | None = None) -> Auth:
    """A browser at `address`; behind a proxy the proxy's header names the client."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if forwarded_for:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Auth(client)


def test_an_attacker_locks_only_itself_out_and_the_owner_still_logs_in(app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"] = "3 per 15 minutes"
    attacker = client_at(app, ATTACKER)
    for _ in range(3):
        assert attacker.login("kramfors", "samordnare", password=WRONG).status_code == 401
    blocked = attacker.login("kramfors", "samordnare", password=WRONG)
    assert blocked.status_code == 429
    # Even the right password waits at the attacker's address...
    assert attacker.login("kramfors", "samordnare").status_code == 429
    # ...but the coordinator, at her own address, logs in before the meeting.
    assert client_at(app, VICTIM).login("kramfors", "samordnare").status_code == 303


def test_the_refusal_says_in_minutes_when_to_retry_and_links_to_the_login(app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"] = "2 per 15 minutes"
    attacker = client_at(app, ATTACKER)
    for _ in range(2):
        attacker.login("kramfors", "lasare", password=WRONG)
    blocked = attacker.client.post(
        "/login?next=/plans/1",
        data={
            "csrf_token": attacker.csrf_token(),
            "organisation": "kramfors",
            "email": "lasare@kramfors.example",
            "password": WRONG,
        },
    )
    html = blocked.get_data(as_text=True)
    assert blocked.status_code == 429
    assert "För många misslyckade försök. Försök igen om 15 minuter." in html
    assert 15 * 60 - 5 <= int(blocked.headers["Retry-After"]) <= 15 * 60
    link = re.search(r'<a href="([^"]+)">Tillbaka till inloggningen</a>', html)
    assert link and link.group(1) == "/login?organisation=kramfors&amp;next=/plans/1"


def test_the_account_ceiling_stops_guessing_from_many_addresses(app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"] = "3 per 15 minutes"
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "4 per hour"
    for address in (ATTACKER, VICTIM):
        for _ in range(2):
            assert (
                client_at(app, address).login("kramfors", "lasare", password=WRONG).status_code
                == 401
            )
    blocked = client_at(app, THIRD).login("kramfors", "lasare")
    assert blocked.status_code == 429
    # The longest of the limits broken decides the wait.
    assert "Försök igen om 60 minuter." in blocked.get_data(as_text=True)
    # Other accounts are not affected.
    assert client_at(app, THIRD).login("kramfors", "handlaggare").status_code == 303


def test_refused_attempts_do_not_count_towards_the_account_ceiling(app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"] = "2 per 15 minutes"
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "5 per hour"
    attacker = client_at(app, ATTACKER)
    statuses = [attacker.login("kramfors", "lasare", password=WRONG).status_code for _ in range(8)]
    assert statuses == [401, 401] + [429] * 6
    assert client_at(app, VICTIM).login("kramfors", "lasare").status_code == 303


def test_successful_logins_do_not_count(app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"] = "2 per 15 minutes"
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per hour"
    for _ in range(4):
        assert Auth(app.test_client()).login("polisen", "lasare").status_code == 303


def test_many_accounts_from_one_address_are_refused(app):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    for local_part in ("a", "b", "c", "d"):
        assert (
            Auth(app.test_client()).login("kramfors", local_part, password="x" * 12).status_code
            == 401
        )
    assert Auth(app.test_client()).login("kramfors", "e", password="x" * 12).status_code == 429


def test_without_trusted_proxies_a_forged_forwarded_for_cannot_dodge_the_limit(app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"] = "2 per 15 minutes"
    statuses = [
        client_at(app, ATTACKER, forwarded_for=f"10.0.0.{n}")
        .login("kramfors", "lasare", password=WRONG)
        .status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 429]


@pytest.fixture
def proxied_app(templates) -> Iterator[Flask]:
    """The demo workspace behind one trusted proxy (TRUSTED_PROXY_COUNT=1)."""
    uri = templates.fresh("demo")
    app = create_app(_app_config(uri, TRUSTED_PROXY_COUNT=1))
    yield app
    with app.app_context():
        db.engine.dispose()
    templates.drop(uri)


def test_behind_a_trusted_proxy_each_client_is_limited_on_its_own(proxied_app):
    app = proxied_app
    proxy = "10.0.0.2"
    assert isinstance(app.wsgi_app, ProxyFix)
    assert (app.wsgi_app.x_for, app.wsgi_app.x_proto, app.wsgi_app.x_host) == (1, 1, 1)
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    attacker = client_at(app, proxy, forwarded_for=ATTACKER)
    for local_part in ("a", "b", "c"):
        assert attacker.login("kramfors", local_part, password=WRONG).status_code == 401
    assert attacker.login("kramfors", "d", password=WRONG).status_code == 429
    # Another user behind the same proxy is not blocked by the attacker's failures.
    colleague = client_at(app, proxy, forwarded_for=f"{ATTACKER}, {VICTIM}")
    assert colleague.login("kramfors", "e", password=WRONG).status_code == 401
    assert colleague.login("kramfors", "lasare").status_code == 303
