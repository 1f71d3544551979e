"""Mentions in comments: who is told, in which organisations, once, and what it says."""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from sqlalchemy import select

from tests.conftest import Auth
from tests.factories import demo_user, seed_plan
from workspace.extensions import db
from workspace.models import (
    Activity,
    Comment,
    Function,
    Notification,
    NotificationKind,
    Organisation,
    RoundKind,
)
from workspace.services import rounds, threads
from workspace.services.notifications import describe
from workspace.services.organisations import appoint

HX = {"HX-Request": "true"}
ACTIVITY = 3  # "Utbildning för krogägare ...": ION of both Kramfors and Sollefteå
# A personal identity number the guardrail flags (valid check digit).
IDENTITY_NUMBER = "811218-9876"


def client_for(app, org: str, local_part: str):
    client = app.test_client()
    Auth(client).login(org, local_part)
    return client


def post(client, body: str, visibility: str = "shared", confirm: bool = False):
    path = f"/activities/{ACTIVITY}"
    data = {"csrf_token": Auth(client).csrf_token(path), "body": body, "visibility": visibility}
    if confirm:
        data["confirm_no_personal_data"] = "y"
    return client.post(f"{path}/comments", data=data, headers=HX)


def told(app) -> dict[str, Notification]:
    """Who has a mention notification, as "local part@organisation slug"."""
    with app.app_context():
        rows = db.session.execute(
            select(Notification).where(Notification.kind == NotificationKind.MENTION)
        ).scalars()
        found = {}
        for row in rows:
            email = row.user.email
            found[f"{email.split('@')[0]}@{email.split('@')[1].split('.')[0]}"] = row
            db.session.expunge(row)
        return found


def comment_id(app, body: str) -> int:
    with app.app_context():
        return db.session.execute(select(Comment.id).where(Comment.body == body)).scalar_one()


def give_viewer_ion(app, org: str = "kramfors") -> None:
    with app.app_context():
        viewer = demo_user(org, "lasare")
        ion = db.session.execute(
            select(Function)
            .join(Organisation)
            .where(Organisation.slug == org, Function.code == "ION")
        ).scalar_one()
        appoint(viewer, ion)
        db.session.commit()


def test_a_shared_comment_tells_the_function_holders_of_every_participant(app):
    give_viewer_ion(app)
    body = "Kan @ion rapportera före mötet?"
    response = post(client_for(app, "kramfors", "samordnare"), body)
    assert response.status_code == 200
    # ION in Kramfors and in Sollefteå; the Kramfors viewer holds ION but may not report.
    notified = told(app)
    assert set(notified) == {"handlaggare@kramfors", "handlaggare@solleftea"}
    row = notified["handlaggare@kramfors"]
    assert row.link == f"/activities/{ACTIVITY}#comment-{comment_id(app, body)}"
    assert row.params["mentioned"] == "ION" and row.params["quotable"] is True
    assert row.params["author"] == "Anders Öberg"


def test_an_internal_comment_tells_only_its_own_organisation(app):
    post(client_for(app, "kramfors", "samordnare"), "Internt: @ION behöver hjälp.", "internal")
    assert set(told(app)) == {"handlaggare@kramfors"}


def test_an_internal_comment_never_tells_a_person_of_another_organisation(app):
    author = client_for(app, "kramfors", "samordnare")
    post(author, "Internt till @handlaggare@solleftea.example", "internal")
    assert told(app) == {}
    post(author, "Delat till @Handlaggare@Solleftea.example och @okand@kramfors.example")
    notified = told(app)
    assert set(notified) == {"handlaggare@solleftea"}
    assert notified["handlaggare@solleftea"].reason == {"mentioned": True}
    assert notified["handlaggare@solleftea"].params["mentioned"] is None


def test_the_author_is_never_told_and_nobody_twice(app):
    # The author holds ION and names themself; the Sollefteå holder is named twice over.
    body = "@ION @handlaggare@kramfors.example @handlaggare@solleftea.example @Alkoholhandläggare"
    post(client_for(app, "kramfors", "handlaggare"), body)
    notified = told(app)
    # Alkoholhandläggare: Anders Öberg in Kramfors; in Sollefteå the same person as ION's.
    assert set(notified) == {"handlaggare@solleftea", "samordnare@kramfors"}
    assert notified["handlaggare@solleftea"].reason == {"mentioned": True}


def test_an_edit_tells_only_whom_it_newly_mentions_and_only_once(app):
    with app.app_context():
        author = demo_user("kramfors", "samordnare")
        activity = db.session.get(Activity, ACTIVITY)
        comment = threads.post(author, seed_plan(), activity, "Kan @ION svara?")
        comment_id = comment.id
    assert set(told(app)) == {"handlaggare@kramfors", "handlaggare@solleftea"}
    with app.app_context():
        author = demo_user("kramfors", "samordnare")
        comment = db.session.get(Comment, comment_id)
        threads.edit(author, comment, "Kan @ION svara? Och @BSN?", comment.version)
    # BSN: Lina Forsberg in Kramfors (told already, as ION) and Sara Lindqvist in Sollefteå.
    assert set(told(app)) == {"handlaggare@kramfors", "handlaggare@solleftea", "admin@solleftea"}
    with app.app_context():
        author = demo_user("kramfors", "samordnare")
        comment = db.session.get(Comment, comment_id)
        threads.edit(author, comment, "Kan @ION svara? Och @BSN? Tack.", comment.version)
        threads.edit(author, comment, "Kan @ION svara?", comment.version)
        threads.edit(author, comment, "Kan @ION svara? Och @BSN?", comment.version)
        assert db.session.scalar(select(db.func.count(Notification.id))) == 3


def test_the_comment_shows_its_mentions(app):
    body = (
        "Fråga @ion och @handlaggare@solleftea.example, inte @okand@kramfors.example."
        " <b>@ION</b> `@ION`"
    )
    post(client_for(app, "kramfors", "samordnare"), body)
    html = client_for(app, "polisen", "lasare").get(f"/activities/{ACTIVITY}").get_data(True)
    assert '<span class="mention">@ion</span>' in html
    assert '<span class="mention">@Elin Sjöberg</span>' in html
    assert "@okand@kramfors.example." in html
    # Raw HTML stays text around a mention; code is not a mention.
    assert '&lt;b&gt;<span class="mention">@ION</span>&lt;/b&gt;' in html
    assert "<code>@ION</code>" in html


def test_the_notification_in_swedish_quotes_the_comment(app):
    body = "Kan @ION rapportera **före** mötet i april?"
    post(client_for(app, "kramfors", "samordnare"), body)
    with app.test_request_context(), force_locale("sv"):
        row = db.session.get(Notification, told(app)["handlaggare@solleftea"].id)
        text = describe(row)
        activity = db.session.get(Activity, ACTIVITY)
        assert text.subject == f"Anders Öberg nämnde @ION i aktiviteten ”{activity.title}”"
        assert text.paragraphs == [body]
        assert text.reason == (
            "Du får det här eftersom du innehar funktionen ION i Sollefteå kommun."
        )


def test_a_comment_past_the_identity_number_warning_is_never_quoted(app):
    author = client_for(app, "kramfors", "samordnare")
    assert post(author, f"@handlaggare@solleftea.example {IDENTITY_NUMBER}").status_code == 422
    assert told(app) == {}
    post(author, f"@handlaggare@solleftea.example {IDENTITY_NUMBER}", confirm=True)
    with app.test_request_context(), force_locale("sv"):
        row = db.session.get(Notification, told(app)["handlaggare@solleftea"].id)
        assert row.params["quotable"] is False
        text = describe(row)
        assert text.subject.startswith("Anders Öberg nämnde dig i aktiviteten")
        assert text.paragraphs == ["Öppna kommentaren för att läsa den."]
        assert IDENTITY_NUMBER not in str(row.params)
        assert text.reason == "Du får det här eftersom du nämndes."


def test_mentions_in_the_plans_discussion_and_a_round(app):
    with app.app_context():
        author = demo_user("kramfors", "samordnare")
        plan = seed_plan()
        threads.post(author, plan, None, "@handlaggare@solleftea.example läs detta")
        rnd = rounds.open_round(author, plan, RoundKind.WORKING_GROUP, "Våren", date(2030, 4, 1))
        threads.post(author, plan, rnd, "@Polis klart?")
        plan_id, round_id = plan.id, rnd.id
    notified = told(app)
    with app.test_request_context(), force_locale("sv"):
        discussion = db.session.get(Notification, notified["handlaggare@solleftea"].id)
        assert discussion.link.startswith(f"/plans/{plan_id}/discussion#comment-")
        assert (
            describe(discussion).subject == "Anders Öberg nämnde dig i handlingsplanens diskussion"
        )
        in_round = db.session.get(Notification, notified["handlaggare@polisen"].id)
        assert in_round.link.startswith(f"/rounds/{round_id}#comment-")
        assert describe(in_round).subject == "Anders Öberg nämnde @Polis i uppföljningen ”Våren”"
