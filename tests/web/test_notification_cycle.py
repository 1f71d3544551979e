"""The whole notification cycle of #17, as its users and cron live it: a coordinator opens the
October round through the form, `send-notifications` mails every function holder once, the
reminders stop for a function that has reported, and a mention reaches the holders of the
function and nobody else.

Everything is real: the renderers, the mail templates, the CLI command and an SMTP server
(aiosmtpd on a free port). Run it on PostgreSQL too:
`scripts/with-postgres .venv/bin/pytest tests/web/test_notification_cycle.py`.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from email.message import EmailMessage

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import Auth
from tests.factories import demo_user, seed_plan
from tests.mail_server import SmtpServer
from tests.web.test_notifications_sending import PUBLIC_URL, bodies, send, use_mail
from workspace.extensions import db
from workspace.models import FollowUpRound, Function, Organisation
from workspace.services import notifications, rounds
from workspace.services.organisations import appoint

YEAR = date.today().year + 1  # the next October is always ahead, whenever this runs
DUE = date(YEAR, 10, 15)
DUE_TEXT = f"15 oktober {YEAR}"
TITLE = f"Uppföljning oktober {YEAR}"

# Who holds which function of the demo plan's assignments, and may report: each of these
# pairs is one mail. Viewers, admins without functions and partners get none.
HOLDERS = {
    ("samordnare@kramfors.example", "Alkoholhandläggare"),
    ("samordnare@kramfors.example", "SBN"),
    ("handlaggare@kramfors.example", "BSN"),
    ("handlaggare@kramfors.example", "ION"),
    ("handlaggare@polisen.example", "Polis"),
    ("handlaggare@solleftea.example", "Alkoholhandläggare"),
    ("handlaggare@solleftea.example", "ION"),
    ("admin@solleftea.example", "BSN"),
    ("samordnare@solleftea.example", "SBN"),
    ("samordnare@solleftea.example", "Solatum"),
}
ACTIVITY = 3  # "Utbildning för krogägare ...": ION of both Kramfors and Sollefteå
IDENTITY_NUMBER = "811218-9876"  # one the comment guardrail flags (valid check digit)
HX = {"HX-Request": "true"}
ORGANISATIONS = {
    "kramfors": "Kramfors kommun",
    "solleftea": "Sollefteå kommun",
    "polisen": "Polisen, Sollefteå närpolisområde",
}


@pytest.fixture
def smtp() -> SmtpServer:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(app: Flask, smtp: SmtpServer) -> Flask:
    app = use_mail(app, smtp.port)
    give_the_kramfors_viewer_ion(app)
    return app


def give_the_kramfors_viewer_ion(app: Flask) -> None:
    """A viewer who holds ION may not report for it: no function mail is for them."""
    with app.app_context():
        ion = db.session.scalars(
            select(Function)
            .join(Organisation)
            .where(Organisation.slug == "kramfors", Function.code == "ION")
        ).one()
        appoint(demo_user("kramfors", "lasare"), ion)
        db.session.commit()


def client_for(app: Flask, email: str):
    client = app.test_client()
    local_part, domain = email.split("@")
    response = Auth(client).login(domain.split(".")[0], local_part)
    assert response.status_code == 303, f"{email} could not log in"
    return client


class Inbox:
    """What the SMTP server received since the last look."""

    def __init__(self, smtp: SmtpServer) -> None:
        self.smtp = smtp
        self.seen = 0

    def new(self) -> list[EmailMessage]:
        messages = self.smtp.messages()
        fresh, self.seen = messages[self.seen :], len(messages)
        for message in fresh:
            assert len(message.get_all("To")) == 1, "one recipient per mail"
        return fresh


def by_function(messages: list[EmailMessage], pattern: str) -> list[tuple[str, str]]:
    """(recipient, function code) of each mail, the code read from the subject."""
    found = []
    for message in messages:
        match = re.search(pattern, message["Subject"])
        assert match, f"unexpected subject {message['Subject']!r}"
        found.append((message["To"], match["code"]))
    return found


def site_path(link: str) -> str:
    assert link.startswith(PUBLIC_URL + "/"), link
    return link.removeprefix(PUBLIC_URL).split("#")[0]


def the_link(message: EmailMessage) -> str:
    plain, html = bodies(message)
    match = re.search(r"Öppna i Samverkan: (\S+)", plain)
    assert match, plain
    assert f'href="{match[1]}"' in html
    return match[1]


def open_october_round(app: Flask) -> int:
    """The Kramfors coordinator opens the round through the form, as in the app."""
    client = client_for(app, "samordnare@kramfors.example")
    data = {
        "csrf_token": Auth(client).csrf_token("/plans/1/rounds"),
        "kind": "working_group",
        "title": TITLE,
        "due_on": DUE.isoformat(),
    }
    response = client.post("/plans/1/rounds", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        return db.session.scalars(
            select(FollowUpRound.id).where(FollowUpRound.title == TITLE)
        ).one()


OPENED = rf"^Samverkan: {TITLE}: (?P<code>\S+) ska redovisa senast {DUE_TEXT}$"


def test_opening_the_october_round_mails_every_function_holder_once(mail_app, smtp):
    inbox = Inbox(smtp)
    round_id = open_october_round(mail_app)
    assert inbox.new() == [], "nothing leaves before send-notifications runs"

    output = send(mail_app)

    messages = inbox.new()
    assert f"Sent {len(HOLDERS)} mails" in output
    sent = by_function(messages, OPENED)
    assert sorted(sent) == sorted(HOLDERS), "each holder once per function, nobody else"
    for message, (recipient, code) in zip(messages, sent, strict=True):
        plain, html = bodies(message)
        organisation = ORGANISATIONS[recipient.split("@")[1].split(".")[0]]
        assert f"{code} i {organisation} ska senast {DUE_TEXT} redovisa" in plain
        assert "Redovisa på uppföljningens sida." in plain
        assert f"Du får det här eftersom du innehar funktionen {code} i {organisation}." in plain
        assert "Open it" not in plain and "You get this" not in plain
        assert the_link(message) == f"{PUBLIC_URL}/rounds/{round_id}"
        assert TITLE in html
    # The link opens the round's page for each recipient.
    for recipient in {to for to, _code in sent}:
        page = client_for(mail_app, recipient).get(f"/rounds/{round_id}")
        assert page.status_code == 200, recipient
        assert TITLE in page.get_data(as_text=True)

    # cron runs it again a minute later: nothing is sent twice.
    assert "Sent 0 mails" in send(mail_app)
    assert inbox.new() == []


SOON = rf"^Samverkan: Påminnelse: (?P<code>\S+) ska redovisa i ”{TITLE}” senast {DUE_TEXT}"
TODAY = rf"^Samverkan: I dag är sista dagen: (?P<code>\S+) ska redovisa i ”{TITLE}”$"


def daily_step(app: Flask, today: date) -> None:
    """What cron's run of `send-notifications` does on `today`: the reminders, then sending."""
    with app.app_context():
        assert notifications.run_scheduled(today) == 0
        report = notifications.send_due()
    assert report.failed == report.retrying == 0


def test_reminders_stop_for_a_function_that_has_reported(mail_app, smtp):
    inbox = Inbox(smtp)
    round_id = open_october_round(mail_app)
    send(mail_app)
    inbox.new()

    daily_step(mail_app, DUE - timedelta(days=8))
    assert inbox.new() == [], "too early for a reminder"
    daily_step(mail_app, DUE - timedelta(days=7))
    soon = inbox.new()
    assert sorted(by_function(soon, SOON)) == sorted(HOLDERS)
    assert the_link(soon[0]) == f"{PUBLIC_URL}/rounds/{round_id}"
    daily_step(mail_app, DUE - timedelta(days=7))
    daily_step(mail_app, DUE - timedelta(days=6))
    assert inbox.new() == [], "one early reminder, however often the step runs"

    # Kramfors' ION reports every activity it has in the plan.
    with mail_app.app_context():
        reporter = demo_user("kramfors", "handlaggare")
        rnd = db.session.get(FollowUpRound, round_id)
        ion = [
            a
            for a in rounds.plan_assignments(seed_plan())
            if a.organisation.slug == "kramfors" and a.function.code == "ION"
        ]
        assert len(ion) > 1
        for assignment in ion:
            rounds.report(reporter, rnd, assignment, "Gjort enligt planen.")

    daily_step(mail_app, DUE)
    today = inbox.new()
    assert sorted(by_function(today, TODAY)) == sorted(
        HOLDERS - {("handlaggare@kramfors.example", "ION")}
    )
    # The Kramfors handläggare still hears about BSN, which has not reported.
    assert ("handlaggare@kramfors.example", "BSN") in by_function(today, TODAY)
    daily_step(mail_app, DUE)
    assert inbox.new() == []


def post_comment(client, body: str, visibility: str, confirm: bool = False):
    path = f"/activities/{ACTIVITY}"
    data = {"csrf_token": Auth(client).csrf_token(path), "body": body, "visibility": visibility}
    if confirm:
        data["confirm_no_personal_data"] = "y"
    return client.post(f"{path}/comments", data=data, headers=HX)


def mention_mails(app: Flask, inbox: Inbox) -> dict[str, tuple[str, str]]:
    """After cron's run: recipient → (plain-text body, link) of each mention mail."""
    send(app)
    found: dict[str, tuple[str, str]] = {}
    for message in inbox.new():
        assert message["Subject"].startswith("Samverkan: Anders Öberg nämnde ")
        assert message["To"] not in found, f"{message['To']} got two mails"
        found[message["To"]] = (bodies(message)[0], the_link(message))
    return found


def test_a_mention_reaches_the_holders_of_the_function_and_nobody_else(mail_app, smtp):
    inbox = Inbox(smtp)
    author = client_for(mail_app, "samordnare@kramfors.example")
    shared = "Kan @ION redovisa krogutbildningen före oktobermötet?"
    assert post_comment(author, shared, "shared").status_code == 200

    mails = mention_mails(mail_app, inbox)

    # ION of Kramfors and of Sollefteå; the Kramfors viewer holds ION but is not told.
    assert set(mails) == {"handlaggare@kramfors.example", "handlaggare@solleftea.example"}
    for recipient, (plain, link) in mails.items():
        assert shared in plain, "a comment without a warning is quoted"
        assert link.startswith(f"{PUBLIC_URL}/activities/{ACTIVITY}#comment-")
        page = client_for(mail_app, recipient).get(site_path(link))
        assert page.status_code == 200 and "krogutbildningen" in page.get_data(as_text=True)
    assert "innehar funktionen ION i Sollefteå kommun." in mails["handlaggare@solleftea.example"][0]

    internal = "Internt: @ION, budgeten för krogutbildningen är osäker."
    assert post_comment(author, internal, "internal").status_code == 200
    mails = mention_mails(mail_app, inbox)
    assert set(mails) == {"handlaggare@kramfors.example"}, "internal stays in Kramfors"
    assert internal in mails["handlaggare@kramfors.example"][0]

    flagged = f"@ION ring krögaren med personnummer {IDENTITY_NUMBER}."
    assert post_comment(author, flagged, "shared").status_code == 422  # the guardrail asks
    assert mention_mails(mail_app, inbox) == {}
    assert post_comment(author, flagged, "shared", confirm=True).status_code == 200
    mails = mention_mails(mail_app, inbox)
    assert set(mails) == {"handlaggare@kramfors.example", "handlaggare@solleftea.example"}
    for plain, _link in mails.values():
        assert IDENTITY_NUMBER not in plain and "krögaren" not in plain
        assert "Öppna kommentaren för att läsa den." in plain
    # Nothing anyone received carries the internal text or the number, except Kramfors'.
    for message in smtp.messages():
        plain, html = bodies(message)
        assert IDENTITY_NUMBER not in plain + html
        if "kramfors" not in message["To"]:
            assert "budgeten" not in plain + html
