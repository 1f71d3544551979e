"""Logging in per organisation, logging out, and what anonymous users get."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token_from

WRONG = "Organisationen, e-postadressen eller lösenordet är fel."


def test_login_page_offers_the_three_tenants_and_no_partners(client):
    html = client.get("/login").get_data(as_text=True)
    for name in ("Sollefteå kommun", "Kramfors kommun", "Polisen, Sollefteå närpolisområde"):
        assert name in html
    assert "Skatteverket" not in html
    assert 'name="organisation"' in html and 'name="email"' in html and 'name="password"' in html


@pytest.mark.parametrize("organisation", ["solleftea", "kramfors", "polisen"])
def test_each_organisation_logs_in_and_sees_its_name_in_the_header(client, auth, organisation):
    response = auth.login(organisation, "handlaggare")
    assert response.status_code == 303
    page = client.get("/", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'class="account__org"' in html
    org_names = {
        "solleftea": "Sollefteå kommun",
        "kramfors": "Kramfors kommun",
        "polisen": "Polisen, Sollefteå närpolisområde",
    }
    assert f'<span class="account__org">{org_names[organisation]}</span>' in html


@pytest.mark.parametrize(
    ("organisation", "email", "password"),
    [
        ("kramfors", "lasare@solleftea.example", "samverkan-demo"),  # right user, wrong org
        ("kramfors", "nobody@kramfors.example", "samverkan-demo"),  # unknown email
        ("kramfors", "lasare@kramfors.example", "wrong-password"),  # wrong password
    ],
)
def test_every_login_failure_gets_the_same_message(client, auth, organisation, email, password):
    response = auth.login(organisation, email, password)
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert WRONG in html
    assert client.get("/").status_code == 302  # still not logged in


def test_missing_fields_are_named_next_to_the_form(client, auth):
    token = auth.csrf_token()
    response = client.post("/login", data={"csrf_token": token, "email": "", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Välj din organisation." in html
    assert "Skriv din e-postadress." in html
    assert "Skriv ditt lösenord." in html


def test_login_without_csrf_token_is_refused(client):
    response = client.post(
        "/login",
        data={
            "organisation": "kramfors",
            "email": "lasare@kramfors.example",
            "password": "samverkan-demo",
        },
    )
    assert response.status_code == 400
    assert "Sidan har gått ut" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_email_is_case_insensitive(client, auth):
    assert auth.login("polisen", "Lasare@Polisen.EXAMPLE").status_code == 303


def test_login_returns_to_the_page_asked_for(client, auth):
    first = client.get("/activities/1")
    assert first.status_code == 302
    assert "/login?next=/activities/1" in first.headers["Location"]
    page = client.get(first.headers["Location"])
    response = client.post(
        first.headers["Location"],
        data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "organisation": "kramfors",
            "email": "lasare@kramfors.example",
            "password": "samverkan-demo",
        },
    )
    assert response.headers["Location"] == "/activities/1"


def test_login_never_redirects_off_site(client):
    page = client.get("/login?next=https://evil.example/")
    response = client.post(
        "/login?next=https://evil.example/",
        data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "organisation": "kramfors",
            "email": "lasare@kramfors.example",
            "password": "samverkan-demo",
        },
    )
    assert response.headers["Location"] == "/"


def test_logout_is_a_post_with_csrf(client, auth):
    auth.login("kramfors")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token: still logged in
    assert client.get("/").status_code == 302
    token = csrf_token_from(client.get("/plans/1").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert client.get("/plans/1").status_code == 302


def test_anonymous_page_request_goes_to_login(client):
    response = client.get("/plans/1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_anonymous_fragment_request_gets_hx_redirect(client):
    response = client.get("/plans/1", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")
    assert response.get_data(as_text=True) == ""


def test_a_nul_byte_in_the_login_form_is_a_failed_login_not_a_crash(client, auth):
    response = auth.login("kramfors", "lasare@kramfors.example\x00", "x\x00")
    assert response.status_code == 401
