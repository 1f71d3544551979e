"""`send-notifications` mails the outbox through a real SMTP server, once per row.

The server is aiosmtpd on a free local port, started by the fixture; what it received is
parsed as a mail client would. Kinds are worded by a stand-in renderer (tests.mail_server).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import demo_user
from tests.mail_server import SmtpServer, stand_in_renderer
from workspace.extensions import db, mail
from workspace.models import (
    Delivery,
    MailState,
    Notification,
    NotificationKind,
    NotificationSetting,
    User,
)
from workspace.models.types import utcnow
from workspace.services import accounts, mailer, notifications
from workspace.services.transaction import write

REPO = Path(__file__).resolve().parents[2]
PUBLIC_URL = "https://samverkan.kramfors.test"
SENDER = "Samverkan <samverkan@kramfors.test>"


@pytest.fixture(autouse=True)
def renderer() -> Iterator[None]:
    with stand_in_renderer():
        yield


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def use_mail(app: Flask, port: int | None, **extra: object) -> Flask:
    """Point the app's mail at 127.0.0.1:port (None: mail off)."""
    app.config.update(
        MAIL_SERVER="127.0.0.1" if port else None,
        MAIL_PORT=port or 25,
        MAIL_DEFAULT_SENDER=SENDER,
        PUBLIC_URL=PUBLIC_URL,
        **extra,
    )
    mail.init_app(app)
    return app


@pytest.fixture
def mail_app(app: Flask, smtp: SmtpServer) -> Flask:
    return use_mail(app, smtp.port)


def write_notification(
    user: User,
    kind: NotificationKind = NotificationKind.MENTION,
    n: int = 1,
    link: str = "/plans/1",
    written: timedelta = timedelta(0),
) -> int:
    with write():
        row = notifications.notify(
            user,
            kind,
            link=link,
            params={"n": n},
            reason={"mentioned": True},
            deliver_after=utcnow() - written,
        )
    assert row is not None
    return row.id


def add(app: Flask, slug: str, local_part: str, **kwargs: object) -> int:
    with app.app_context():
        return write_notification(demo_user(slug, local_part), **kwargs)  # type: ignore[arg-type]


def row(app: Flask, notification_id: int) -> Notification:
    with app.app_context():
        found = db.session.get(Notification, notification_id)
        assert found is not None
        db.session.expunge(found)
        return found


def send(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["send-notifications"])
    assert result.exit_code == 0, result.output
    return result.output


def send_at(app: Flask, later: timedelta) -> notifications.SendReport:
    with app.app_context():
        return notifications.send_due(now=utcnow() + later)


def bodies(message) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None, "a plain-text and an HTML part"
    return plain.get_content(), html.get_content()


def test_a_pending_row_is_mailed_once_with_both_parts_and_absolute_links(mail_app, smtp):
    notification_id = add(mail_app, "kramfors", "samordnare", link="/plans/1/activities/3")

    output = send(mail_app)
    send(mail_app)

    assert "Sent 1 mails" in output
    [message] = smtp.messages()
    assert smtp.recipients() == ["samordnare@kramfors.example"]
    assert message["Subject"] == "Samverkan: Test notice 1"
    assert message["From"] == SENDER
    assert message["List-Unsubscribe"] == f"<{PUBLIC_URL}/account/notifications>"
    plain, html = bodies(message)
    assert f"{PUBLIC_URL}/plans/1/activities/3" in plain
    assert f'href="{PUBLIC_URL}/plans/1/activities/3"' in html
    assert "Test text 1" in plain and "Test text 1" in html
    # Why the recipient got it, in Swedish by default.
    assert "Du får det här eftersom du nämndes." in plain
    stored = row(mail_app, notification_id)
    assert stored.mail_state is MailState.SENT
    assert stored.mailed_at is not None and stored.claimed_by is None


def test_a_mandatory_mail_has_no_unsubscribe_link(mail_app, smtp):
    add(mail_app, "kramfors", "samordnare", kind=NotificationKind.PASSWORD_LINK)

    send(mail_app)

    [message] = smtp.messages()
    assert message["List-Unsubscribe"] is None
    assert "/account/notifications" not in bodies(message)[0]


def test_the_recipients_language_is_used(mail_app, smtp):
    with mail_app.app_context():
        user = demo_user("kramfors", "samordnare")
        accounts.set_locale(user, "en")
        write_notification(user)
    add(mail_app, "kramfors", "lasare")

    send(mail_app)

    by_recipient = {m["To"]: bodies(m)[0] for m in smtp.messages()}
    english = by_recipient["samordnare@kramfors.example"]
    swedish = by_recipient["lasare@kramfors.example"]
    assert "Open it in Samverkan" in english and "because you were mentioned" in english
    assert "Öppna i Samverkan" in swedish and "Open it" not in swedish


def test_a_server_that_is_down_loses_nothing(app, smtp):
    smtp.stop()
    use_mail(app, smtp.port)
    notification_id = add(app, "kramfors", "samordnare")

    output = send(app)

    assert "1 to retry" in output
    stored = row(app, notification_id)
    assert stored.mail_state is MailState.PENDING
    assert stored.attempts == 1
    assert stored.next_attempt_at is not None and stored.next_attempt_at > utcnow()
    assert "Connection" in (stored.last_error or "") or "refused" in (stored.last_error or "")

    smtp.start()
    send(app)  # not due yet: the backoff is not over
    assert smtp.messages() == []
    report = send_at(app, timedelta(minutes=6))

    assert report.sent == 1
    assert smtp.recipients() == ["samordnare@kramfors.example"]
    assert row(app, notification_id).mail_state is MailState.SENT


def test_after_the_last_attempt_the_row_is_failed_with_the_error(app, smtp):
    smtp.stop()
    use_mail(app, smtp.port)
    notification_id = add(app, "kramfors", "samordnare")

    send(app)
    for hours in (1, 2, 5):
        send_at(app, timedelta(hours=hours))

    stored = row(app, notification_id)
    assert stored.attempts == notifications.MAX_ATTEMPTS
    assert stored.mail_state is MailState.FAILED
    assert stored.last_error
    assert send_at(app, timedelta(hours=12)).failed == 0  # given up: not tried again


def test_mail_off_sends_nothing_and_keeps_the_rows(app, smtp):
    use_mail(app, None)
    notification_id = add(app, "kramfors", "samordnare")

    output = send(app)

    assert "Mail is off" in output
    assert smtp.messages() == []
    stored = row(app, notification_id)
    assert stored.mail_state is MailState.PENDING and stored.attempts == 0
    with app.app_context():
        assert not mailer.mail_enabled()


def test_development_without_a_server_writes_eml_files(app, tmp_path):
    use_mail(app, None, SAMVERKAN_ENV="development")
    app.instance_path = str(tmp_path)
    notification_id = add(app, "kramfors", "samordnare", link="/plans/1")

    output = send(app)

    [written] = list((tmp_path / "mail").glob("*.eml"))
    assert str(tmp_path / "mail") in output
    message = __import__("email").message_from_bytes(
        written.read_bytes(), policy=__import__("email.policy").policy.default
    )
    assert message["To"] == "samordnare@kramfors.example"
    assert f"{PUBLIC_URL}/plans/1" in bodies(message)[0]
    assert row(app, notification_id).mail_state is MailState.SENT


def test_daily_rows_come_as_one_digest(mail_app, smtp):
    daily = NotificationKind.ACTIVITY_CHANGED
    ids = [
        add(mail_app, "kramfors", "samordnare", kind=daily, n=n, written=timedelta(hours=25))
        for n in (1, 2, 3)
    ]
    add(mail_app, "kramfors", "lasare", kind=daily)  # written now: waits for tomorrow's digest

    send(mail_app)
    send(mail_app)

    [digest] = smtp.messages()
    assert smtp.recipients() == ["samordnare@kramfors.example"]
    assert digest["Subject"] == "Samverkan: 3 nya aviseringar"
    assert digest["List-Unsubscribe"] == f"<{PUBLIC_URL}/account/notifications>"
    plain, html = bodies(digest)
    for n in (1, 2, 3):
        assert f"Test notice {n}" in plain and f"Test notice {n}" in html
    assert all(row(mail_app, i).mail_state is MailState.SENT for i in ids)
    later = send_at(mail_app, timedelta(days=1))
    assert later.mails == 1 and len(smtp.messages()) == 2


def test_a_kind_turned_off_after_it_was_written_is_not_mailed(mail_app, smtp):
    with mail_app.app_context():
        user = demo_user("kramfors", "samordnare")
        notification_id = write_notification(user)
        with write():
            db.session.add(
                NotificationSetting(
                    user_id=user.id, kind=NotificationKind.MENTION, delivery=Delivery.NEVER
                )
            )

    send(mail_app)

    assert smtp.messages() == []
    assert row(mail_app, notification_id).mail_state is MailState.NOT_MAILED


def test_a_claim_left_by_a_crashed_run_is_released_after_an_hour(mail_app, smtp):
    notification_id = add(mail_app, "kramfors", "samordnare")
    with mail_app.app_context(), write():
        stuck = db.session.get(Notification, notification_id)
        stuck.mail_state = MailState.SENDING
        stuck.claimed_by = "crashed-run"
        stuck.claimed_at = utcnow() - timedelta(minutes=30)

    send(mail_app)
    assert smtp.messages() == []  # another run may still be sending it
    send_at(mail_app, timedelta(minutes=31))

    assert len(smtp.messages()) == 1
    assert row(mail_app, notification_id).mail_state is MailState.SENT


def test_scheduled_triggers_run_first_and_a_failing_one_does_not_stop_the_others(mail_app, smtp):
    seen = []

    def broken(today):
        raise RuntimeError("boom")

    def remind(today):
        seen.append(today)
        write_notification(demo_user("kramfors", "samordnare"))

    notifications.scheduled(broken)
    notifications.scheduled(remind)
    try:
        output = send(mail_app)
    finally:
        notifications._SCHEDULED.remove(broken)
        notifications._SCHEDULED.remove(remind)

    assert seen == [utcnow().date()]
    assert "1 reminder triggers failed" in output
    assert len(smtp.messages()) == 1  # what the trigger wrote went out in the same run


def test_two_runs_at_once_send_each_row_exactly_once(mail_app, smtp):
    with mail_app.app_context():
        recipients = list(
            db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))
        )[:6]
        for user in recipients:
            for n in range(10):
                write_notification(user, n=n)
        expected = Counter({user.email: 10 for user in recipients})
        assert len(expected) == 6
    env = {
        **os.environ,
        "DATABASE_URL": mail_app.config["SQLALCHEMY_DATABASE_URI"],
        "SAMVERKAN_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "MAIL_DEFAULT_SENDER": SENDER,
        "PUBLIC_URL": PUBLIC_URL,
    }
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.mail_server"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    assert Counter(smtp.recipients()) == expected
    with mail_app.app_context():
        states = Counter(
            db.session.scalars(
                select(Notification.mail_state).where(
                    Notification.user_id.in_([user.id for user in recipients])
                )
            )
        )
    assert states == Counter({MailState.SENT: 60})


def test_a_missing_public_address_in_production_is_refused_before_claiming(mail_app, smtp):
    mail_app.config.update(PUBLIC_URL="", SAMVERKAN_ENV="production")
    notification_id = add(mail_app, "kramfors", "samordnare")

    result = mail_app.test_cli_runner().invoke(args=["send-notifications"])

    assert result.exit_code != 0 and "PUBLIC_URL" in result.output
    assert row(mail_app, notification_id).mail_state is MailState.PENDING
