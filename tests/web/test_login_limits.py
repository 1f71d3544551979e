"""Guessing passwords is slowed down, per account and per address."""

from __future__ import annotations

from tests.conftest import Auth


def test_repeated_failures_for_one_account_are_refused_with_retry_after(app, client, auth):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    for _ in range(3):
        assert auth.login("kramfors", "lasare", password="fel-fel-fel").status_code == 401
    blocked = auth.login("kramfors", "lasare", password="fel-fel-fel")
    assert blocked.status_code == 429
    assert "För många misslyckade försök" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0
    # Even the right password waits: the account is what is protected.
    assert auth.login("kramfors", "lasare").status_code == 429
    # Another account from the same address is not affected.
    assert Auth(app.test_client()).login("kramfors", "handlaggare").status_code == 303


def test_successful_logins_do_not_count(app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
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
