"""A round tells people: what each function must report when it opens, reminders before and
on its due date to functions that have not reported, and after it one notice per
organisation to its coordinators. Written once, however often the daily step runs."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import force_locale
from sqlalchemy import func, select

from tests.conftest import Auth
from tests.factories import PASSWORD, demo_user, seed_plan
from workspace.config import from_environment
from workspace.extensions import db
from workspace.models import (
    FollowUpRound,
    Function,
    Notification,
    NotificationKind,
    Organisation,
    Role,
    RoundKind,
)
from workspace.services import notifications, round_notifications, rounds, users
from workspace.services.organisations import appoint, ensure_function

DUE = date(2040, 5, 15)
TITLE = "Uppföljning maj 2040"


def open_round() -> int:
    rnd = rounds.open_round(
        demo_user("kramfors", "samordnare"), seed_plan(), RoundKind.WORKING_GROUP, TITLE, DUE
    )
    return rnd.id


def rows(round_id: int, kind: NotificationKind) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(
                Notification.kind == kind,
                Notification.dedupe_key.like(f"{kind.value}:round={round_id}:%"),
            )
            .order_by(Notification.id)
        )
    )


def recipients(notes: list[Notification]) -> set[str]:
    """ "handlaggare@kramfors" for each recipient."""
    return {f"{n.user.email.split('@')[0]}@{n.user.organisation.slug}" for n in notes}


def told(notes: list[Notification]) -> set[tuple[str, str]]:
    """(organisation slug, function code) of each function-addressed notification."""
    functions = [db.session.get(Function, n.reason["function_id"]) for n in notes]
    return {(f.organisation.slug, f.code) for f in functions}


def functions_in_round(round_id: int) -> set[tuple[str, str]]:
    """The functions of the round's assignments that someone may report for."""
    rnd = db.session.get(FollowUpRound, round_id)
    return {
        (a.organisation.slug, a.function.code)
        for a in rounds.plan_assignments(rnd.plan)
        if notifications.holders_who_report(a.function)
    }


def assignments_of(org_slug: str, code: str):
    return [
        a
        for a in rounds.plan_assignments(seed_plan())
        if a.organisation.slug == org_slug and a.function.code == code
    ]


def test_opening_a_round_tells_the_holders_of_its_functions_and_nobody_else(app) -> None:
    with app.app_context():
        kramfors = db.session.scalar(select(Organisation).where(Organisation.slug == "kramfors"))
        # A function without assignments in the plan, held by a member of its own.
        culture = ensure_function(kramfors, "KFN", "Kultur- och fritidsnämnden")
        outsider = users.create_user(
            kramfors,
            email="kultur@kramfors.example",
            name="Kultur",
            role=Role.MEMBER,
            password=PASSWORD,
        )
        appoint(outsider, culture)
        db.session.commit()
        # A holder who has left: deactivated, so she gives up her functions.
        users.set_active(
            demo_user("solleftea", "admin"),
            demo_user("solleftea", "samordnare"),
            False,
            accept_vacancy=True,
        )
        round_id = open_round()
        opened = rows(round_id, NotificationKind.ROUND_OPENED)

        assert {"handlaggare@kramfors", "handlaggare@solleftea", "handlaggare@polisen"} <= (
            recipients(opened)
        )
        assert {("kramfors", "ION"), ("solleftea", "ION"), ("polisen", "Polis")} <= told(opened)
        assert told(opened) == functions_in_round(round_id)
        nobody = {"lasare@kramfors", "lasare@solleftea", "lasare@polisen", "samordnare@solleftea"}
        assert not recipients(opened) & (nobody | {"kultur@kramfors"})
        assert all(n.user.is_active and n.link == f"/rounds/{round_id}" for n in opened)
        # One per function and holder.
        assert len({(n.user_id, n.reason["function_id"]) for n in opened}) == len(opened)


def test_what_the_opening_says_in_swedish(app) -> None:
    with app.app_context():
        round_id = open_round()
        ion = demo_user("kramfors", "handlaggare")
        note = next(
            n
            for n in rows(round_id, NotificationKind.ROUND_OPENED)
            if n.user_id == ion.id
            and db.session.get(Function, n.reason["function_id"]).code == "ION"
        )
        activities = [
            f"– {a.activity.area.position}.{a.activity.position} {a.activity.title}"
            for a in assignments_of("kramfors", "ION")
        ]
        with force_locale("sv"):
            text = notifications.describe(note)
        assert text.subject == f"{TITLE}: ION ska redovisa senast 15 maj 2040"
        assert text.paragraphs[0] == (
            f"Uppföljningen ”{TITLE}” är öppen. ION i Kramfors kommun ska senast 15 maj 2040 "
            "redovisa de här aktiviteterna:"
        )
        assert text.paragraphs[1:-1] == activities
        assert text.paragraphs[-1] == "Redovisa på uppföljningens sida."
        assert text.reason == "Du får det här eftersom du innehar funktionen ION i Kramfors kommun."
        with force_locale("en"):
            assert notifications.describe(note).subject == f"{TITLE}: ION reports by 15 May 2040"


def run(today: date) -> None:
    assert notifications.run_scheduled(today) == 0


def test_reminders_before_and_on_the_due_date_only_for_functions_that_have_not_reported(
    app,
) -> None:
    with app.app_context():
        round_id = open_round()
        run(DUE - timedelta(days=8))
        assert not rows(round_id, NotificationKind.DUE_SOON)
        run(DUE - timedelta(days=7))
        soon = rows(round_id, NotificationKind.DUE_SOON)
        assert told(soon) == functions_in_round(round_id)
        run(DUE - timedelta(days=7))
        run(DUE - timedelta(days=6))
        assert len(rows(round_id, NotificationKind.DUE_SOON)) == len(soon)

        # Kramfors' ION reports all but one of its activities: reminded of that one only.
        ion = assignments_of("kramfors", "ION")
        assert len(ion) >= 2
        reporter = demo_user("kramfors", "handlaggare")
        rnd = db.session.get(FollowUpRound, round_id)
        for assignment in ion[1:]:
            rounds.report(reporter, rnd, assignment, "Gjort.")
        run(DUE)
        today = rows(round_id, NotificationKind.DUE_TODAY)
        assert told(today) == functions_in_round(round_id)
        kramfors_ion = next(
            n for n in today if n.user_id == reporter.id and n.params["function"] == "ION"
        )
        assert kramfors_ion.params["activities"] == [round_notifications.activity_label(ion[0])]
        with force_locale("sv"):
            text = notifications.describe(kramfors_ion)
        assert text.subject == f"I dag är sista dagen: ION ska redovisa i ”{TITLE}”"
        assert text.paragraphs[0] == "ION har ännu inte redovisat den här aktiviteten:"
        with force_locale("sv"):
            text = notifications.describe(soon[0])
        assert text.subject.startswith(
            f"Påminnelse: {soon[0].params['function']} ska redovisa i ”{TITLE}” senast 15 maj 2040"
        )

        # Once it has reported everything, nothing more is written for it.
        rounds.report(reporter, rnd, ion[0], "Gjort.")
        db.session.execute(
            Notification.__table__.delete().where(
                Notification.dedupe_key.like(f"due_today:round={round_id}:%")
            )
        )
        db.session.commit()
        run(DUE)
        assert ("kramfors", "ION") not in told(rows(round_id, NotificationKind.DUE_TODAY))
        assert told(rows(round_id, NotificationKind.DUE_TODAY)) == (
            functions_in_round(round_id) - {("kramfors", "ION")}
        )


def test_after_the_due_date_one_notice_per_organisation_to_its_coordinators(app) -> None:
    with app.app_context():
        round_id = open_round()
        rnd = db.session.get(FollowUpRound, round_id)
        reporter = demo_user("kramfors", "handlaggare")
        for assignment in assignments_of("kramfors", "ION"):
            rounds.report(reporter, rnd, assignment, "Gjort.")
        run(DUE + timedelta(days=1))
        run(DUE + timedelta(days=1))
        run(DUE + timedelta(days=2))
        overdue = rows(round_id, NotificationKind.OVERDUE)
        assert recipients(overdue) == {
            f"{who}@{org}"
            for org in ("kramfors", "solleftea", "polisen")
            for who in ("samordnare", "admin")
        }
        assert not rows(round_id, NotificationKind.DUE_SOON)
        assert not rows(round_id, NotificationKind.DUE_TODAY)
        kramfors = next(n for n in overdue if n.user == demo_user("kramfors", "samordnare"))
        assert kramfors.link == f"/rounds/{round_id}"
        assert all(code != "ION" for code, _activity in kramfors.params["missing"])
        with force_locale("sv"):
            text = notifications.describe(kramfors)
        count = len(kramfors.params["missing"])
        assert text.subject == (
            f"”{TITLE}”: {count} åtaganden i Kramfors kommun är inte redovisade"
        )
        assert text.paragraphs[0] == "Sista dagen, 15 maj 2040, har passerat. Inte redovisat än:"
        code, activity = kramfors.params["missing"][0]
        assert text.paragraphs[1] == f"– {code}: {activity}"
        assert text.reason == "Du får det här på grund av din roll i din organisation."

        # A coordinator appointed later gets no second notice of the same round.
        users.create_user(
            rnd.plan.participants[0],
            email="ny@kramfors.example",
            name="Ny",
            role=Role.COORDINATOR,
            password=PASSWORD,
        )
        db.session.commit()
        run(DUE + timedelta(days=3))
        assert len(rows(round_id, NotificationKind.OVERDUE)) == len(overdue)


def test_a_closed_round_gets_nothing(app) -> None:
    with app.app_context():
        round_id = open_round()
        rnd = db.session.get(FollowUpRound, round_id)
        rounds.close_round(demo_user("kramfors", "samordnare"), rnd)
        for moment in (DUE - timedelta(days=7), DUE, DUE + timedelta(days=1)):
            run(moment)
        for kind in (
            NotificationKind.DUE_SOON,
            NotificationKind.DUE_TODAY,
            NotificationKind.OVERDUE,
        ):
            assert not rows(round_id, kind)


def test_a_round_opened_late_gets_no_early_reminder(app) -> None:
    with app.app_context():
        round_id = open_round()
        rnd = db.session.get(FollowUpRound, round_id)
        opened = rnd.created_at.date()
        rnd.due_on = opened + timedelta(days=3)
        db.session.commit()
        run(opened + timedelta(days=1))
        assert not rows(round_id, NotificationKind.DUE_SOON)
        run(rnd.due_on)
        assert rows(round_id, NotificationKind.DUE_TODAY)


def test_how_many_days_before_is_a_setting() -> None:
    assert from_environment("/tmp", {"SAMVERKAN_ENV": "testing"})["NOTIFY_DAYS_BEFORE_DUE"] == 7
    env = {"SAMVERKAN_ENV": "testing", "NOTIFY_DAYS_BEFORE_DUE": "3"}
    assert from_environment("/tmp", env)["NOTIFY_DAYS_BEFORE_DUE"] == 3


def test_the_coordinators_form_opens_the_round_and_tells_in_the_same_write(app) -> None:
    client = app.test_client()
    Auth(client).login("polisen", "samordnare")
    data = {
        "csrf_token": Auth(client).csrf_token("/plans/1"),
        "kind": "working_group",
        "title": TITLE,
        "due_on": DUE.isoformat(),
    }
    assert client.post("/plans/1/rounds", data=data).status_code == 303
    with app.app_context():
        round_id = db.session.scalar(select(FollowUpRound.id).where(FollowUpRound.title == TITLE))
        opened = rows(round_id, NotificationKind.ROUND_OPENED)
        assert told(opened) == functions_in_round(round_id)
        before = db.session.scalar(select(func.count(Notification.id)))
    # The same title again is refused: no round is opened, and nobody is told of one.
    assert client.post("/plans/1/rounds", data=data).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id))) == before
