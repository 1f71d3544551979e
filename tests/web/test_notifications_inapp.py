"""Notifications in the app: the bell's count, one's own list (marking read), one's settings,
and the admins' mail log, which names recipients and outcomes but never what was said."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import Auth
from tests.factories import demo_user
from tests.web.test_query_counts import counted
from workspace.extensions import db
from workspace.models import (
    AuditEvent,
    Delivery,
    MailState,
    Notification,
    NotificationKind,
    NotificationSetting,
)
from workspace.services import notifications
from workspace.services.notifications import NotificationText

HX = {"HX-Request": "true"}
# A kind worded by this test's renderer; the real wording comes with its trigger.
KIND = NotificationKind.OVERDUE
SECRET = "Hemlig brödtext som aldrig visas i maillogen"


def _text(notification: Notification) -> NotificationText:
    return NotificationText(
        f"Testavisering {notification.params['n']}", [f"{SECRET} {notification.params['n']}"]
    )


@pytest.fixture(autouse=True)
def renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(notifications._RENDERERS, KIND, _text)


def give(app: Flask, slug: str, local: str, n: int = 1, kind: NotificationKind = KIND) -> list[int]:
    """`n` notifications for a demo user, written through `notify`."""
    with app.app_context():
        user = demo_user(slug, local)
        rows = [
            notifications.notify(user, kind, link="/plans/1", params={"n": i}, reason={"role": 1})
            for i in range(1, n + 1)
        ]
        db.session.commit()
        return [row.id for row in rows]


def csrf(client: FlaskClient) -> str:
    html = client.get("/notifications").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def bell(html: str) -> str:
    return re.search(r'<a id="notification-bell".*?</a>', html, re.S).group(0)


def test_the_bell_counts_unread_and_hides_a_zero(app: Flask, client: FlaskClient, auth) -> None:
    auth.login("kramfors", "handlaggare")
    assert "olästa" not in bell(client.get("/", follow_redirects=True).get_data(as_text=True))
    give(app, "kramfors", "handlaggare", 3)
    give(app, "kramfors", "lasare", 2)  # someone else's do not count
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Aviseringar" in bell(page)
    assert 'aria-label="Aviseringar, 3 olästa"' in bell(page)
    assert 'href="/notifications"' in bell(page)


def test_the_list_shows_own_rows_newest_first_with_texts(
    app: Flask, client: FlaskClient, auth: Auth
) -> None:
    give(app, "kramfors", "handlaggare", 2)
    give(app, "kramfors", "lasare", 1)
    auth.login("kramfors", "handlaggare")
    page = client.get("/notifications").get_data(as_text=True)
    assert page.index("Testavisering 2") < page.index("Testavisering 1")
    assert f"{SECRET} 1" in page
    assert "din roll i din organisation" in page  # the reason, in Swedish
    assert 'href="/plans/1"' in page
    assert page.count("Markera som läst") == 2
    assert page.count('class="badge badge--new">Oläst') == 2
    assert "Markera alla som lästa" in page


def test_the_list_is_paginated(app: Flask, client: FlaskClient, auth: Auth) -> None:
    give(app, "kramfors", "handlaggare", 30)
    auth.login("kramfors", "handlaggare")
    first = client.get("/notifications").get_data(as_text=True)
    assert "Testavisering 30<" in first and "Testavisering 5<" not in first
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert "Testavisering 5<" in second and "Testavisering 30<" not in second


def test_a_kind_without_wording_does_not_break_the_list(
    app: Flask, client: FlaskClient, auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(notifications._RENDERERS, NotificationKind.DUE_TODAY, raising=False)
    give(app, "kramfors", "handlaggare", 1, NotificationKind.DUE_TODAY)
    auth.login("kramfors", "handlaggare")
    response = client.get("/notifications")
    assert response.status_code == 200
    assert "En redovisning ska lämnas i dag" in response.get_data(as_text=True)


def test_mark_one_read_plain_and_htmx(app: Flask, client: FlaskClient, auth: Auth) -> None:
    first, second = give(app, "kramfors", "handlaggare", 2)
    auth.login("kramfors", "handlaggare")
    token = csrf(client)
    plain = client.post(f"/notifications/{first}/read", data={"csrf_token": token})
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith("/notifications?page=1")
    fragment = client.post(f"/notifications/{second}/read", headers={**HX, "X-CSRFToken": token})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "<html" not in body
    assert 'id="notification-list"' in body
    assert 'hx-swap-oob="outerHTML"' in bell(body)
    assert "olästa" not in bell(body)
    assert re.search(r'<div id="announcer" hx-swap-oob="innerHTML"><p>Inga olästa', body)
    with app.app_context():
        assert all(db.session.get(Notification, i).read_at for i in (first, second))


def test_another_users_notification_is_not_found(
    app: Flask, client: FlaskClient, auth: Auth
) -> None:
    (theirs,) = give(app, "kramfors", "lasare", 1)
    auth.login("kramfors", "handlaggare")
    response = client.post(f"/notifications/{theirs}/read", data={"csrf_token": csrf(client)})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Notification, theirs).read_at is None


def test_mark_all_read_marks_only_ones_own(app: Flask, client: FlaskClient, auth: Auth) -> None:
    mine = give(app, "kramfors", "handlaggare", 3)
    (theirs,) = give(app, "kramfors", "lasare", 1)
    auth.login("kramfors", "handlaggare")
    token = csrf(client)
    fragment = client.post("/notifications/read", headers={**HX, "X-CSRFToken": token})
    assert fragment.status_code == 200
    assert "Inga olästa aviseringar" in fragment.get_data(as_text=True)
    assert client.post("/notifications/read", data={"csrf_token": token}).status_code == 303
    with app.app_context():
        assert all(db.session.get(Notification, i).read_at for i in mine)
        assert db.session.get(Notification, theirs).read_at is None


def checked(page: str, name: str) -> str:
    """The value of the ticked radio button `name` on the page."""
    return re.search(rf'<input checked [^>]*name="{name}"[^>]*value="([^"]+)"', page).group(1)


def _settings_form(client: FlaskClient) -> tuple[str, str]:
    page = client.get("/account/notifications").get_data(as_text=True)
    return page, re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_settings_are_saved_shown_and_audited(app: Flask, client: FlaskClient, auth) -> None:
    auth.login("kramfors", "handlaggare")
    page, token = _settings_form(client)
    for word in ("Direkt", "Daglig sammanfattning", "Aldrig", "En uppföljning öppnas"):
        assert word in page
    assert checked(page, "activity_changed") == "daily"
    assert checked(page, "mention") == "immediate"
    choices = {kind.value: "immediate" for kind in notifications.CHOOSABLE_KINDS}
    choices["mention"] = "never"
    choices["activity_changed"] = "immediate"
    response = client.post("/account/notifications", data={"csrf_token": token, **choices})
    assert response.status_code == 303
    again = client.post("/account/notifications", data={"csrf_token": token, **choices})
    assert again.status_code == 303  # the same choices again: nothing new is written
    with app.app_context():
        user = demo_user("kramfors", "handlaggare")
        assert notifications.delivery_for(user, NotificationKind.MENTION) is Delivery.NEVER
        assert (
            notifications.delivery_for(user, NotificationKind.ACTIVITY_CHANGED)
            is Delivery.IMMEDIATE
        )
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "notifications.settings_changed")
        ).all()
        assert len(events) == 1
        assert events[0].details["changed"] == {"mention": "never", "activity_changed": "immediate"}
        # Written as never: the new mention is shown in the app only.
        mention = notifications.notify(user, NotificationKind.MENTION, link="/plans/1")
        assert mention.mail_state is MailState.NOT_MAILED
        db.session.rollback()
    shown = client.get("/account/notifications").get_data(as_text=True)
    assert checked(shown, "mention") == "never"
    assert checked(shown, "activity_changed") == "immediate"


def test_a_mandatory_kind_cannot_be_turned_off_even_by_a_forged_post(
    app: Flask, client: FlaskClient, auth: Auth
) -> None:
    auth.login("kramfors", "handlaggare")
    page, token = _settings_form(client)
    assert 'name="password_link"' not in page
    assert "kan inte stängas av" in page
    choices = {kind.value: "immediate" for kind in notifications.CHOOSABLE_KINDS}
    response = client.post(
        "/account/notifications",
        data={"csrf_token": token, **choices, "password_link": "never"},
    )
    assert response.status_code == 303
    with app.app_context():
        user = demo_user("kramfors", "handlaggare")
        assert db.session.get(NotificationSetting, (user.id, "password_link")) is None
        assert (
            notifications.delivery_for(user, NotificationKind.PASSWORD_LINK) is Delivery.IMMEDIATE
        )


def test_a_missing_choice_is_refused_with_a_message(app: Flask, client, auth: Auth) -> None:
    auth.login("kramfors", "handlaggare")
    _page, token = _settings_form(client)
    response = client.post("/account/notifications", data={"csrf_token": token})
    assert response.status_code == 422
    assert "Välj hur du vill få de här aviseringarna" in response.get_data(as_text=True)


def test_the_settings_say_when_mail_is_off(app: Flask, client: FlaskClient, auth: Auth) -> None:
    off = "E-post är avstängd i den här installationen; aviseringarna syns här i tjänsten."
    auth.login("kramfors", "handlaggare")
    assert off in client.get("/account/notifications").get_data(as_text=True)
    app.config["MAIL_SERVER"] = "127.0.0.1"
    assert off not in client.get("/account/notifications").get_data(as_text=True)


def test_the_account_page_links_to_the_settings(client: FlaskClient, auth: Auth) -> None:
    auth.login("kramfors", "handlaggare")
    assert 'href="/account/notifications"' in client.get("/account").get_data(as_text=True)


def test_the_mail_log_shows_own_organisations_rows_and_no_bodies(
    app: Flask, client: FlaskClient, auth: Auth
) -> None:
    (failed,) = give(app, "kramfors", "handlaggare", 1)
    give(app, "solleftea", "handlaggare", 1)
    with app.app_context():
        row = db.session.get(Notification, failed)
        row.mail_state, row.attempts = MailState.FAILED, 3
        row.last_error = "421 Tjänsten är inte tillgänglig\nTraceback: hemlig detalj"
        db.session.commit()
        kramfors_user = demo_user("kramfors", "handlaggare")
        sollefteå_user = demo_user("solleftea", "handlaggare")
    auth.login("kramfors", "admin")
    response = client.get("/admin/mail-log")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert kramfors_user.email in page and kramfors_user.name in page
    assert sollefteå_user.email not in page
    assert "Redovisningar saknas efter sista dag" in page  # the kind's label
    assert "Misslyckades" in page and "421 Tjänsten är inte tillgänglig" in page
    assert "hemlig detalj" not in page
    assert SECRET not in page and "Testavisering" not in page
    assert "E-post är avstängd" in page
    assert 'href="/admin/mail-log"' in client.get("/admin/audit").get_data(as_text=True)


@pytest.mark.parametrize("local", ["lasare", "handlaggare", "samordnare"])
def test_only_admins_read_the_mail_log(client: FlaskClient, auth: Auth, local: str) -> None:
    auth.login("kramfors", local)
    assert client.get("/admin/mail-log").status_code == 403


def test_anonymous_is_sent_to_log_in(client: FlaskClient) -> None:
    for path in ("/notifications", "/account/notifications", "/admin/mail-log"):
        assert client.get(path).status_code == 302
    hx = client.post("/notifications/read", headers=HX)
    assert hx.status_code in (400, 401)


def test_the_bell_costs_no_query_of_its_own(app: Flask, client: FlaskClient, auth: Auth) -> None:
    """The count comes with the session's user row, so a page's query count (guarded by
    test_query_counts.py) does not grow by the bell."""
    give(app, "kramfors", "handlaggare", 2)
    auth.login("kramfors", "handlaggare")
    client.get("/account")  # warm-up
    with counted(app) as statements:
        page = client.get("/account").get_data(as_text=True)
    assert 'aria-label="Aviseringar, 2 olästa"' in page
    counting = [s for s in statements if "notifications" in s]
    assert len(counting) == 1 and "FROM users" in counting[0]
