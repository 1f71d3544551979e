"""Sessions end when they should: at logout, on a new password, on deactivation."""

from __future__ import annotations

from sqlalchemy import update

from tests.conftest import Auth, csrf_token_from
from tests.factories import demo_user
from workspace.extensions import db
from workspace.models import User
from workspace.services import accounts, users


def test_the_session_cookie_changes_at_login(app, client, auth):
    client.get("/login")
    before = client.get_cookie("session").value
    auth.login("kramfors", "lasare")
    assert client.get_cookie("session").value != before


def test_logging_out_ends_a_stolen_copy_of_the_session(app, client, auth):
    auth.login("kramfors", "lasare")
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get("/plans/1").status_code == 200
    client.post("/logout", data={"csrf_token": auth.csrf_token("/plans/1")})
    assert thief.get("/plans/1").status_code == 302


def test_a_new_password_ends_other_sessions_and_remember_me(app, client, auth):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "organisation": "kramfors",
            "email": "lasare@kramfors.example",
            "password": "samverkan-demo",
            "remember": "y",
        },
    )
    assert response.status_code == 303
    remembered = client.get_cookie("remember_token")
    assert remembered is not None and remembered.http_only
    laptop = app.test_client()  # a browser that only has the remember-me cookie
    laptop.set_cookie("remember_token", remembered.value)
    assert laptop.get("/plans/1").status_code == 200
    other = app.test_client()
    Auth(other).login("kramfors", "lasare")
    change = other.post(
        "/account",
        data={
            "csrf_token": Auth(other).csrf_token("/account"),
            "current_password": "samverkan-demo",
            "new_password": "ett nytt långt lösenord",
        },
    )
    assert change.status_code == 303
    assert other.get("/plans/1").status_code == 200  # the one who changed it stays in
    assert client.get("/plans/1").status_code == 302
    fresh_laptop = app.test_client()
    fresh_laptop.set_cookie("remember_token", remembered.value)
    assert fresh_laptop.get("/plans/1").status_code == 302


def test_deactivation_ends_the_persons_sessions(app, client, auth):
    auth.login("kramfors", "lasare")
    with app.app_context():
        users.set_active(demo_user("kramfors", "admin"), demo_user("kramfors", "lasare"), False)
        db.session.remove()
    assert client.get("/plans/1").status_code == 302


def test_cookies_are_http_only_and_same_site(app, client, auth):
    auth.login("kramfors", "lasare")
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_a_first_login_keeps_the_token_another_worker_just_gave(app):
    with app.app_context():
        # This worker read the user just before another worker's first login gave them one.
        user = demo_user("kramfors", "lasare")
        assert user.session_token is None
        with db.engine.begin() as other_worker:
            other_worker.execute(
                update(User).where(User.id == user.id).values(session_token="the-other-login")
            )
        accounts.start_session(user)
        assert user.session_token == "the-other-login"
