"""Notifications about people and watched activities: a function left vacant, a password link
mailed, and "Bevaka" (status changes and comments by others reach an activity's watchers)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from tests.conftest import Auth
from tests.factories import assignment, demo_user
from tests.mail_server import SmtpServer
from workspace.extensions import db, mail
from workspace.models import (
    ActivityWatch,
    AssignmentStatus,
    Notification,
    NotificationKind,
    Role,
    Visibility,
)
from workspace.services import accounts, assignments, notifications, threads, users, watching


def _rows(kind: NotificationKind) -> list[Notification]:
    return list(
        db.session.execute(
            select(Notification).where(Notification.kind == kind).order_by(Notification.id)
        ).scalars()
    )


def _told(kind: NotificationKind) -> list[tuple[str, str]]:
    """(recipient's email, what the notification says) for each row of a kind."""
    with force_locale("en"):
        return [(n.user.email, notifications.describe(n).subject) for n in _rows(kind)]


# --- A function left vacant -------------------------------------------------------------------


def test_a_deactivated_last_holder_tells_admins_and_coordinators_once(app: Flask) -> None:
    with app.test_request_context():
        admin, lina = demo_user("kramfors", "admin"), demo_user("kramfors", "handlaggare")
        users.set_active(admin, lina, False, accept_vacancy=True)
        told = _told(NotificationKind.FUNCTION_VACANT)
        # ION and BSN of Kramfors have assignments and nobody else to carry them; KUN was
        # vacant already, so it is not news.
        assert sorted(told) == [
            ("admin@kramfors.example", "BSN is vacant"),
            ("admin@kramfors.example", "ION is vacant"),
            ("samordnare@kramfors.example", "BSN is vacant"),
            ("samordnare@kramfors.example", "ION is vacant"),
        ]
        assert {n.reason.get("role") for n in _rows(NotificationKind.FUNCTION_VACANT)} == {True}
        # Filling it again tells nobody; leaving it vacant a second time does.
        ion_and_bsn = {f.id for f in users.held_when_deactivated(lina)}
        users.set_active(admin, lina, True, restore=ion_and_bsn)
        assert len(_rows(NotificationKind.FUNCTION_VACANT)) == 4
        users.set_active(admin, lina, False, accept_vacancy=True)
        assert len(_rows(NotificationKind.FUNCTION_VACANT)) == 8


def test_a_holder_demoted_to_viewer_leaves_the_function_vacant(app: Flask) -> None:
    with app.test_request_context():
        admin, lina = demo_user("kramfors", "admin"), demo_user("kramfors", "handlaggare")
        users.update_user(admin, lina, email=lina.email, name=lina.name, role=Role.VIEWER)
        assert len(_rows(NotificationKind.FUNCTION_VACANT)) == 4
        # Another change that leaves nothing newly vacant tells nobody again.
        users.update_user(admin, lina, email=lina.email, name="Lina F", role=Role.VIEWER)
        assert len(_rows(NotificationKind.FUNCTION_VACANT)) == 4


def test_taking_a_function_away_from_one_of_two_holders_tells_nobody(app: Flask) -> None:
    with app.test_request_context():
        admin, lina = demo_user("kramfors", "admin"), demo_user("kramfors", "handlaggare")
        anders = demo_user("kramfors", "samordnare")
        ion = next(f for f in lina.functions if f.code == "ION")
        keep = {f.id for f in anders.functions} | {ion.id}
        users.update_user(
            admin, anders, email=anders.email, name=anders.name, role=anders.role,
            function_ids=keep,
        )  # fmt: skip
        others = {f.id for f in lina.functions} - {ion.id}
        users.update_user(
            admin, lina, email=lina.email, name=lina.name, role=lina.role, function_ids=others
        )
        assert _rows(NotificationKind.FUNCTION_VACANT) == []
        # Now the last holder gives it up: vacant, told.
        users.update_user(
            admin, anders, email=anders.email, name=anders.name, role=anders.role,
            function_ids=keep - {ion.id},
        )  # fmt: skip
        assert sorted(_told(NotificationKind.FUNCTION_VACANT)) == [
            ("admin@kramfors.example", "ION is vacant"),
            ("samordnare@kramfors.example", "ION is vacant"),
        ]


# --- Password links ---------------------------------------------------------------------------


def _make_link(app: Flask) -> str:
    client = app.test_client()
    auth = Auth(client)
    auth.login("kramfors", "admin")
    with app.app_context():
        person = demo_user("kramfors", "lasare").id
    page = f"/admin/users/{person}"
    answer = client.post(
        f"/admin/users/{person}/password-link",
        data={"csrf_token": auth.csrf_token(page)},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_with_mail_on_the_link_is_mailed_and_never_shown(app: Flask) -> None:
    app.config["MAIL_SERVER"] = "localhost"
    page = _make_link(app)
    assert "Länken har skickats till lasare@kramfors.example" in page
    assert "/password/" not in page
    with app.app_context():
        (row,) = _rows(NotificationKind.PASSWORD_LINK)
        assert row.user.email == "lasare@kramfors.example"
        secret = notifications.secret_link(row)
        assert secret is not None and secret.startswith("/password/")
        assert accounts.valid_link(secret.removeprefix("/password/")) is not None
        # The in-app text never carries it, in either language.
        for locale in ("sv", "en"):
            with force_locale(locale):
                text = notifications.describe(row)
            assert secret not in " ".join([text.subject, *text.paragraphs, text.reason])
        assert secret not in row.link


def test_the_mail_carries_the_link_and_it_works(app: Flask) -> None:
    server = SmtpServer()
    server.start()
    try:
        app.config.update(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=server.port,
            MAIL_DEFAULT_SENDER="samverkan@kramfors.test",
            PUBLIC_URL="https://samverkan.kramfors.test",
        )
        mail.init_app(app)
        _make_link(app)
        result = app.test_cli_runner().invoke(args=["send-notifications"])
        assert result.exit_code == 0, result.output
        [message] = server.messages()
    finally:
        server.stop()
    assert message["To"] == "lasare@kramfors.example"
    plain = message.get_body(preferencelist=("plain",)).get_content()
    assert "En länk för att välja ditt lösenord" in plain
    token = plain.split("https://samverkan.kramfors.test/password/")[1].split()[0]
    assert app.test_client().get(f"/password/{token}").status_code == 200


def test_with_mail_off_the_admin_sees_the_link_and_nothing_is_mailed(app: Flask) -> None:
    app.config["MAIL_SERVER"] = None
    page = _make_link(app)
    assert "/password/" in page
    with app.app_context():
        assert _rows(NotificationKind.PASSWORD_LINK) == []


# --- Watched activities -----------------------------------------------------------------------


def _watch(app: Flask, org: str, local_part: str, activity_id: int, value: str) -> str:
    client = app.test_client()
    auth = Auth(client)
    auth.login(org, local_part)
    answer = client.post(
        f"/activities/{activity_id}/watch",
        data={"csrf_token": auth.csrf_token(f"/activities/{activity_id}"), "watch": value},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_the_toggle_follows_and_stops_following_in_place(app: Flask) -> None:
    with app.app_context():
        activity_id = assignment("kramfors", "Alkoholhandläggare").activity_id
        per = demo_user("kramfors", "lasare").id
    fragment = _watch(app, "kramfors", "lasare", activity_id, "on")
    assert "<html" not in fragment and 'aria-pressed="true"' in fragment
    assert 'id="watch"' in fragment and "Bevaka" in fragment
    with app.app_context():
        assert db.session.get(ActivityWatch, (per, activity_id)) is not None
    fragment = _watch(app, "kramfors", "lasare", activity_id, "off")
    assert 'aria-pressed="false"' in fragment
    with app.app_context():
        assert db.session.get(ActivityWatch, (per, activity_id)) is None
    # Without htmx the form still works: back to the page.
    client = app.test_client()
    auth = Auth(client)
    auth.login("kramfors", "lasare")
    answer = client.post(
        f"/activities/{activity_id}/watch",
        data={"csrf_token": auth.csrf_token(f"/activities/{activity_id}"), "watch": "on"},
    )
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/activities/{activity_id}")


def test_ones_own_functions_activity_is_watched_without_a_toggle(app: Flask) -> None:
    client = app.test_client()
    Auth(client).login("kramfors", "samordnare")
    with app.app_context():
        activity_id = assignment("kramfors", "Alkoholhandläggare").activity_id
    page = client.get(f"/activities/{activity_id}").get_data(as_text=True)
    assert 'id="watch"' in page and "aria-pressed" not in page.split('id="watch"')[1][:600]


def _followed(app: Flask, *toggles: tuple[str, str]) -> int:
    """Activity 1.1 (Alkoholhandläggare of Kramfors and Sollefteå, Polis), after its viewer
    in each organisation named toggled "Bevaka" on or off."""
    with app.app_context():
        activity_id = assignment("kramfors", "Alkoholhandläggare").activity_id
    for org, value in toggles:
        _watch(app, org, "lasare", activity_id, value)
    return activity_id


def test_watchers_are_told_of_others_changes_and_comments(app: Flask) -> None:
    activity_id = _followed(app, ("kramfors", "on"), ("solleftea", "on"))
    with app.test_request_context():
        elin = demo_user("solleftea", "handlaggare")
        own = assignment("solleftea", "Alkoholhandläggare")
        assignments.change_status(elin, own, AssignmentStatus.DELAYED)
        told = dict(_told(NotificationKind.ACTIVITY_CHANGED))
        # The holders of the other functions on it, and both followers; never the author.
        assert set(told) == {
            "handlaggare@polisen.example",
            "samordnare@kramfors.example",
            "lasare@kramfors.example",
            "lasare@solleftea.example",
        }
        assert told["lasare@kramfors.example"] == f"News in the activity “{own.activity.title}”"
        rows = _rows(NotificationKind.ACTIVITY_CHANGED)
        with force_locale("en"):
            assert notifications.describe(rows[0]).paragraphs == [
                "Elin Sjöberg changed the status of Alkoholhandläggare to delayed."
            ]
        reasons = {n.user.email: n.reason for n in rows}
        assert reasons["lasare@kramfors.example"] == {"watching": True}
        assert "function_id" in reasons["samordnare@kramfors.example"]
        assert {n.link for n in rows} == {f"/activities/{activity_id}"}
        assert {n.mail_state.value for n in rows} == {"pending"}
        assert {n.deliver_after is not None for n in rows} == {True}

        plan = own.activity.area.plan
        before = len(rows)
        comment = threads.post(elin, plan, own.activity, "Internt: vi väntar.", Visibility.INTERNAL)
        internal = _rows(NotificationKind.ACTIVITY_CHANGED)[before:]
        # An internal comment stays in Sollefteå: Kramfors' watchers hear nothing of it.
        assert [n.user.email for n in internal] == ["lasare@solleftea.example"]
        with force_locale("en"):
            text = notifications.describe(internal[0])
        assert text.subject == f"News in the activity “{own.activity.title}”"
        assert text.paragraphs == ["Elin Sjöberg commented."]
        assert "vi väntar" not in " ".join([text.subject, *text.paragraphs])
        assert internal[0].link == f"/activities/{activity_id}#comment-{comment.id}"

        before += len(internal)
        threads.post(elin, plan, own.activity, "Delat: vi väntar.", Visibility.SHARED)
        shared = _rows(NotificationKind.ACTIVITY_CHANGED)[before:]
        assert {n.user.email for n in shared} == {
            "handlaggare@polisen.example",
            "samordnare@kramfors.example",
            "lasare@kramfors.example",
            "lasare@solleftea.example",
        }


def test_one_who_stopped_following_is_told_nothing_more(app: Flask) -> None:
    _followed(app, ("kramfors", "on"), ("kramfors", "off"))
    with app.test_request_context():
        elin = demo_user("solleftea", "handlaggare")
        assignments.change_status(elin, assignment("solleftea", "Alkoholhandläggare"), "done")
        assert "lasare@kramfors.example" not in dict(_told(NotificationKind.ACTIVITY_CHANGED))


@pytest.mark.parametrize("chosen", [True, False])
def test_the_watch_state_names_ones_functions(app: Flask, chosen: bool) -> None:
    with app.test_request_context():
        anders = demo_user("kramfors", "samordnare")
        activity = assignment("kramfors", "Alkoholhandläggare").activity
        state = watching.set_watching(anders, activity, chosen)
        assert [f.code for f in state.functions] == ["Alkoholhandläggare"]
        assert state.chosen is chosen and state.watching


def test_a_watcher_the_comment_mentions_is_told_once(app: Flask) -> None:
    _followed(app, ("kramfors", "on"))
    with app.test_request_context():
        elin = demo_user("solleftea", "handlaggare")
        activity = assignment("solleftea", "Alkoholhandläggare").activity
        threads.post(elin, activity.area.plan, activity, "Se detta @lasare@kramfors.example")
        mentioned = [n.user.email for n in _rows(NotificationKind.MENTION)]
        assert mentioned == ["lasare@kramfors.example"]
        assert "lasare@kramfors.example" not in dict(_told(NotificationKind.ACTIVITY_CHANGED))
