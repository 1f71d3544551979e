"""Signing in with the organisation's own login (OpenID Connect), through a real provider
(npm's oidc-provider, `tests/oidc_provider.py`): the Flask test client follows the app's
redirects, the provider's forms are filled over HTTP, and the app exchanges the code with
the provider for real. Nothing of the flow is mocked."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import Auth, csrf_token_from
from tests.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    Provider,
    running_provider,
    sign_in_at_provider,
)
from workspace.extensions import db
from workspace.models import AuditEvent, IdentityProvider, Organisation, Role
from workspace.services import identity, users
from workspace.services.errors import ValidationFailed

CALLBACK = "http://localhost/login/kramfors/provider/callback"
KRAMFORS_USER = "handlaggare@kramfors.example"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider([CALLBACK], post_logout_redirect_uris=("http://localhost/login",)) as p:
        yield p


def _kramfors() -> Organisation:
    return db.session.execute(
        select(Organisation).where(Organisation.slug == "kramfors")
    ).scalar_one()


def configure(app: Flask, issuer: str, **settings: bool) -> None:
    with app.app_context():
        identity.configure(
            None,
            _kramfors(),
            identity.ProviderSettings(issuer, CLIENT_ID, CLIENT_SECRET, **settings),
        )


@pytest.fixture
def kramfors_login(app: Flask, provider: Provider) -> Provider:
    configure(app, provider.issuer)
    return provider


def start(client: FlaskClient, next_path: str | None = None) -> str:
    """Press "Log in with Kramfors kommun's login": where the app sends the browser."""
    query = {"next": next_path} if next_path else {}
    response = client.get("/login/kramfors/provider", query_string=query)
    assert response.status_code == 302
    return response.headers["Location"]


def back_from_provider(client: FlaskClient, callback_url: str):
    parts = urlsplit(callback_url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client: FlaskClient, login: str, next_path: str | None = None):
    return back_from_provider(client, sign_in_at_provider(start(client, next_path), login))


def audit_rows(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.execute(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            ).scalars()
        )


def test_the_login_page_offers_the_organisations_own_login_first(client, kramfors_login):
    page = client.get("/login?organisation=kramfors").get_data(as_text=True)
    assert "Logga in med Kramfors kommuns inloggning" in page
    assert page.index("Kramfors kommuns inloggning") < page.index('name="password"')
    # Chosen another organisation, which has none: only passwords.
    other = client.get("/login?organisation=solleftea").get_data(as_text=True)
    assert "inloggning</a>" not in other


def test_a_kramfors_user_signs_in_through_kramfors_provider(app, client, kramfors_login):
    authorization = urlsplit(start(client))
    asked = parse_qs(authorization.query)
    # Authorization code with PKCE, a state and a nonce.
    assert asked["response_type"] == ["code"]
    assert asked["code_challenge_method"] == ["S256"] and asked["code_challenge"]
    assert asked["state"] and asked["nonce"]
    assert set(asked["scope"][0].split()) == {"openid", "email", "profile"}

    response = sign_in(client, KRAMFORS_USER, next_path="/plans/1")
    assert response.status_code == 303 and response.headers["Location"] == "/plans/1"
    page = client.get("/plans/1").get_data(as_text=True)
    assert "Kramfors kommun" in page and "Logga ut" in page
    with app.app_context():
        user = users.find_user("kramfors", KRAMFORS_USER)
        assert (user.login_issuer, user.login_subject) == (kramfors_login.issuer, KRAMFORS_USER)
    assert audit_rows(app, "login.bound")
    assert audit_rows(app, "login")[-1].details["method"] == "provider"


def test_the_session_is_a_password_session_and_logout_ends_it_everywhere(
    app, client, kramfors_login
):
    sign_in(client, KRAMFORS_USER)
    other_browser = app.test_client()
    sign_in(other_browser, KRAMFORS_USER)
    page = client.get("/plans/1").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token_from(page)})
    # The provider offers RP-initiated logout: its session ends too. A page sends the browser
    # on (a form may only lead to this site under the CSP, redirects included).
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    end_session = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', page).group(1)
    end_session = html.unescape(end_session)
    assert end_session.startswith(f"{kramfors_login.issuer}/session/end")
    assert "id_token_hint=" in end_session
    assert "Logga ut" not in page  # logged out here already
    assert other_browser.get("/plans/1").status_code == 302  # logged out there too


def test_a_second_login_finds_the_user_by_subject_not_email(app, client, kramfors_login):
    sign_in(client, KRAMFORS_USER)
    with app.app_context():
        user = users.find_user("kramfors", KRAMFORS_USER)
        user.email = "ny.adress@kramfors.example"  # the address changed since
        db.session.commit()
    fresh = app.test_client()
    assert sign_in(fresh, KRAMFORS_USER).status_code == 303


def test_a_police_account_at_kramfors_provider_is_refused(app, client, kramfors_login):
    response = sign_in(client, "handlaggare@polisen.example")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Samverkan har ingen användare för dig i Kramfors kommun" in page
    assert client.get("/plans/1").status_code == 302  # nobody logged in
    (refused,) = audit_rows(app, "login.refused")
    assert refused.details["reason"] == "unknown"


def test_an_unknown_person_is_refused_and_not_created(app, client, kramfors_login):
    response = sign_in(client, "okand@kramfors.example")
    assert response.status_code == 403
    with app.app_context():
        assert users.find_user("kramfors", "okand@kramfors.example") is None


def test_an_organisation_may_create_unknown_people_as_viewers(app, client, provider):
    configure(app, provider.issuer, creates_unknown_users=True)
    assert sign_in(client, "ny.person@kramfors.example").status_code == 303
    with app.app_context():
        user = users.find_user("kramfors", "ny.person@kramfors.example")
        assert user.role is Role.VIEWER and user.name == "ny.person"


def test_an_unverified_email_binds_nobody(app, client, kramfors_login):
    response = sign_in(client, f"unverified:{KRAMFORS_USER}")
    assert response.status_code == 403
    with app.app_context():
        assert users.find_user("kramfors", KRAMFORS_USER).login_subject is None


def test_a_deactivated_user_is_refused(app, client, kramfors_login):
    with app.app_context():
        users.find_user("kramfors", KRAMFORS_USER).active = False
        db.session.commit()
    response = sign_in(client, KRAMFORS_USER)
    assert response.status_code == 403
    assert "inaktiverad" in response.get_data(as_text=True)
    assert audit_rows(app, "login.refused")[-1].details["reason"] == "deactivated"


def test_a_forged_state_logs_nobody_in(app, client, kramfors_login):
    callback = sign_in_at_provider(start(client), KRAMFORS_USER)
    forged = callback.replace("state=", "state=forged")
    response = back_from_provider(client, forged)
    assert response.status_code == 400
    assert "Börja om" in response.get_data(as_text=True)
    assert client.get("/plans/1").status_code == 302
    assert audit_rows(app, "login.failed")[-1].details["reason"] == "state"


def test_a_wrong_or_used_code_logs_nobody_in(app, client, kramfors_login):
    callback = sign_in_at_provider(start(client), KRAMFORS_USER)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    response = client.get(f"{urlsplit(CALLBACK).path}?code=not-a-code&state={state}")
    assert response.status_code == 400
    assert client.get("/plans/1").status_code == 302
    assert audit_rows(app, "login.failed")[-1].details["reason"] == "code"


def test_an_unreachable_provider_is_a_clear_page(app, client, kramfors_login):
    with app.app_context():
        provider = identity.provider_of(_kramfors())
        provider.issuer = "http://127.0.0.1:9"  # nothing listens there
        db.session.commit()
    response = client.get("/login/kramfors/provider")
    assert response.status_code == 502
    assert "Kramfors kommuns inloggning svarar inte" in response.get_data(as_text=True)


def test_a_token_signed_with_an_unknown_key_is_refused(app, client):
    with running_provider([CALLBACK], publish_other_key=True) as provider:
        configure(app, provider.issuer)
        response = sign_in(client, KRAMFORS_USER)
    assert response.status_code == 400
    assert "kunde inte kontrolleras" in response.get_data(as_text=True)
    assert client.get("/plans/1").status_code == 302
    assert audit_rows(app, "login.failed")[-1].details["reason"] == "token"


def test_a_clock_skew_beyond_a_minute_is_refused(app, client):
    with running_provider([CALLBACK], clock_offset_seconds=300) as provider:
        configure(app, provider.issuer)
        response = sign_in(client, KRAMFORS_USER)
    assert response.status_code == 400
    assert client.get("/plans/1").status_code == 302


def test_a_clock_skew_within_the_minute_is_accepted(app, client):
    with running_provider([CALLBACK], clock_offset_seconds=20) as provider:
        configure(app, provider.issuer)
        assert sign_in(client, KRAMFORS_USER).status_code == 303


def test_password_login_off_refuses_users_but_keeps_admins_break_glass(app, client, provider):
    configure(app, provider.issuer, password_login=False)
    response = Auth(client).login("kramfors", "handlaggare")
    assert response.status_code == 403
    assert "egen inloggning" in response.get_data(as_text=True)
    assert audit_rows(app, "login.refused")[-1].details["reason"] == "password_login_off"
    admin = app.test_client()
    assert Auth(admin).login("kramfors", "admin").status_code == 303
    assert audit_rows(app, "login")[-1].details["break_glass"] is True
    # Other organisations are not affected.
    assert Auth(app.test_client()).login("polisen", "handlaggare").status_code == 303


def test_the_client_secret_is_stored_encrypted(app, kramfors_login):
    with app.app_context():
        stored = db.session.execute(select(IdentityProvider)).scalar_one()
        assert CLIENT_SECRET not in stored.client_secret_encrypted
        assert identity.client_secret(stored) == CLIENT_SECRET
    for event in audit_rows(app, "login_provider.configured"):
        assert CLIENT_SECRET not in str(event.details)


def test_setting_up_checks_the_issuer_by_discovery(app, provider):
    with app.app_context(), pytest.raises(ValidationFailed) as refused:
        identity.configure(
            None,
            _kramfors(),
            identity.ProviderSettings("http://127.0.0.1:9", CLIENT_ID, CLIENT_SECRET),
        )
    assert "issuer" in refused.value.errors
    with app.app_context(), pytest.raises(ValidationFailed):
        identity.configure(
            None,
            _kramfors(),
            identity.ProviderSettings("http://evil.example", CLIENT_ID, CLIENT_SECRET),
        )
    assert not audit_rows(app, "login_provider.configured")


def test_another_organisations_slug_has_no_provider(client, kramfors_login):
    assert client.get("/login/polisen/provider").status_code == 404
    assert client.get("/login/nobody/provider").status_code == 404
    assert client.get("/login/polisen/provider/callback?code=x&state=y").status_code == 404


def test_an_operator_sets_the_provider_at_the_command_line(app, provider, monkeypatch):
    runner = app.test_cli_runner()
    base = ["set-identity-provider", "kramfors", "--issuer", provider.issuer]
    prompted = runner.invoke(args=[*base, "--client-id", CLIENT_ID], input=f"{CLIENT_SECRET}\n")
    assert prompted.exit_code == 0, prompted.output
    assert CLIENT_SECRET not in prompted.output  # never echoed
    assert "/login/kramfors/provider/callback" in prompted.output  # what IT registers
    monkeypatch.setenv("KRAMFORS_OIDC_SECRET", "another-secret")
    from_env = runner.invoke(
        args=[
            *base,
            "--client-id",
            "samverkan-2",
            "--client-secret-env",
            "KRAMFORS_OIDC_SECRET",
            "--no-password-login",
        ]
    )
    assert from_env.exit_code == 0, from_env.output
    with app.app_context():
        stored = identity.provider_of(_kramfors())
        assert stored.client_id == "samverkan-2" and not stored.password_login
        assert identity.client_secret(stored) == "another-secret"
    disabled = runner.invoke(args=["set-identity-provider", "kramfors", "--disable"])
    assert disabled.exit_code == 0
    with app.app_context():
        assert identity.provider_of(_kramfors()) is None
    changes = [e.details for e in audit_rows(app, "login_provider.configured")]
    assert [c["client"] for c in changes] == [CLIENT_ID, "samverkan-2"]
    assert all(c["by"] == "operator" for c in changes)
    assert "secret" not in str(changes).replace("secret_changed", "")
    assert audit_rows(app, "login_provider.removed")


def test_the_command_refuses_an_issuer_that_does_not_answer(app):
    result = app.test_cli_runner().invoke(
        args=[
            "set-identity-provider",
            "kramfors",
            "--issuer",
            "http://127.0.0.1:9",
            "--client-id",
            "x",
        ],
        input="secret\n",
    )
    assert result.exit_code != 0
    assert "openid-configuration" in result.output


def test_an_admin_sets_up_the_own_login_in_the_browser_form(app, provider):
    admin = app.test_client()
    Auth(admin).login("kramfors", "admin")
    page = admin.get("/admin/login").get_data(as_text=True)
    assert "Egen inloggning" in page
    assert "http://localhost/login/kramfors/provider/callback" in page  # what IT registers
    form = {
        "csrf_token": csrf_token_from(page),
        "issuer": provider.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "password_login": "y",
        "version": "",
    }
    saved = admin.post("/admin/login", data=form)
    assert saved.status_code == 303
    page = admin.get("/admin/login").get_data(as_text=True)
    assert provider.issuer in page and CLIENT_SECRET not in page
    assert "En hemlighet är sparad" in page
    with app.app_context():
        assert identity.provider_of(_kramfors()).updated_by_id is not None
    # The police's admin sees only the police's own login.
    police = app.test_client()
    Auth(police).login("polisen", "admin")
    assert provider.issuer not in police.get("/admin/login").get_data(as_text=True)


def test_a_refused_setup_keeps_what_the_admin_typed(app, provider):
    admin = app.test_client()
    Auth(admin).login("kramfors", "admin")
    form = {
        "csrf_token": Auth(admin).csrf_token("/admin/login"),
        "issuer": "http://127.0.0.1:9",
        "client_id": "typed-client",
        "client_secret": "typed-secret",
        "version": "",
    }
    refused = admin.post("/admin/login", data=form)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Ingen OpenID Connect-tjänst svarade" in page
    assert 'value="typed-client"' in page and 'value="typed-secret"' in page


def test_two_admins_setting_up_at_once_the_later_sees_a_conflict(app, provider):
    first, second = app.test_client(), app.test_client()
    Auth(first).login("kramfors", "admin")
    Auth(second).login("kramfors", "admin")
    token_first = Auth(first).csrf_token("/admin/login")
    token_second = Auth(second).csrf_token("/admin/login")  # both read: nothing set up
    base = {"issuer": provider.issuer, "client_secret": CLIENT_SECRET, "version": ""}
    assert (
        first.post(
            "/admin/login", data={**base, "csrf_token": token_first, "client_id": "first"}
        ).status_code
        == 303
    )
    late = second.post(
        "/admin/login", data={**base, "csrf_token": token_second, "client_id": "second"}
    )
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert "klient-id first" in page and 'value="second"' in page
    with app.app_context():
        assert identity.provider_of(_kramfors()).client_id == "first"


def test_only_admins_set_up_the_own_login(app, provider):
    coordinator = app.test_client()
    Auth(coordinator).login("kramfors", "samordnare")
    assert coordinator.get("/admin/login").status_code == 403


def test_an_admin_removes_the_own_login(app, kramfors_login):
    admin = app.test_client()
    Auth(admin).login("kramfors", "admin")
    token = Auth(admin).csrf_token("/admin/login/remove")
    unconfirmed = admin.post("/admin/login/remove", data={"csrf_token": token})
    assert unconfirmed.status_code == 422
    removed = admin.post("/admin/login/remove", data={"csrf_token": token, "confirm": "y"})
    assert removed.status_code == 303
    again = admin.post("/admin/login/remove", data={"csrf_token": token, "confirm": "y"})
    assert again.status_code == 409
    assert "Logga in med Kramfors" not in app.test_client().get("/login").get_data(as_text=True)
