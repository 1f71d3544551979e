"""The full demo (`flask demo-data`): what a newcomer sees in the plan's second year."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import Auth, PostgresDatabases, SqliteDatabases, _make_app
from tests.factories import assignment, seed_plan
from workspace.extensions import db
from workspace.models import (
    AssignmentStatus,
    AuditEvent,
    Comment,
    Evidence,
    FollowUpRound,
    Measurement,
    Report,
    StatusChange,
)
from workspace.models.types import utcnow
from workspace.services import demo, rounds


def load_full_demo(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def demo_app(templates: SqliteDatabases | PostgresDatabases) -> Iterator[Flask]:
    """A fresh database filled the way `scripts/start` fills it, shared by the tests that
    only read it (loading it takes seconds)."""
    for app in _make_app(templates, "empty"):
        load_full_demo(app)
        yield app


def logged_in(app: Flask, slug: str, local_part: str) -> FlaskClient:
    client = app.test_client()
    assert Auth(client).login(slug, local_part).status_code == 303
    return client


def ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        plan = seed_plan()
        closed, opened = sorted(rounds.rounds_of(plan), key=lambda r: r.is_open)
        return {
            "plan": plan.id,
            "closed": closed.id,
            "open": opened.id,
            "inspections": assignment("polisen", "Polis", 1, 1).activity_id,
            "visits": assignment("polisen", "Polis", 1, 2).activity_id,
            "lighting": assignment("kramfors", "SBN", 2, 3).activity_id,
        }


def test_the_rounds_page_lists_a_closed_round_and_an_open_one(demo_app):
    plan_id = ids(demo_app)["plan"]
    page = logged_in(demo_app, "solleftea", "lasare").get(f"/plans/{plan_id}/rounds")
    html = page.get_data(as_text=True)
    assert html.count('class="badge badge--closed"') == 1
    assert html.count('class="badge badge--open"') == 1
    assert len(re.findall(r">Uppföljning (april|oktober) \d{4}</a>", html)) == 2


def test_the_open_round_shows_kramfors_behind_and_overdue(demo_app):
    known = ids(demo_app)
    page = logged_in(demo_app, "polisen", "lasare").get(f"/rounds/{known['open']}")
    html = page.get_data(as_text=True)
    assert "Kramfors kommun:</span> 0 av 17 redovisade" in html
    assert "Sollefteå kommun:</span> 18 av 18 redovisade" in html
    assert "Polisen, Sollefteå närpolisområde:</span> 18 av 18 redovisade" in html
    # The round fell due before today: Kramfors is reminded it is overdue, Sollefteå is not.
    kramfors = logged_in(demo_app, "kramfors", "handlaggare").get(f"/plans/{known['plan']}")
    assert "försenad sedan" in kramfors.get_data(as_text=True)
    solleftea = logged_in(demo_app, "solleftea", "handlaggare").get(f"/plans/{known['plan']}")
    assert "försenad sedan" not in solleftea.get_data(as_text=True)


def test_the_closed_round_has_reports_evidence_and_the_status_of_its_time(demo_app):
    known = ids(demo_app)
    client = logged_in(demo_app, "solleftea", "lasare")
    assert "Stängd" in client.get(f"/rounds/{known['closed']}").get_data(as_text=True)
    printed = client.get(f"/rounds/{known['closed']}/report").get_data(as_text=True)
    assert "Klottret i centrum är inventerat" in printed
    assert "certifierade-butiker.csv" in printed and "SBN " in printed
    with demo_app.app_context():
        closed = db.session.get(FollowUpRound, known["closed"])
        evidence = db.session.execute(
            select(Evidence).join(Report).where(Report.round_id == closed.id)
        ).scalars()
        kinds = {(e.kind.value, bool(e.url), bool(e.attachment_key)) for e in evidence}
        assert ("statistics", False, True) in kinds  # a small CSV file
        assert ("statistics", True, False) in kinds and ("decision", True, False) in kinds
        # The base demo finished the ION training two days ago; half a year ago, when the
        # round closed, it had not started, and the round's snapshot says so.
        training = assignment("solleftea", "ION", 1, 3)
        assert training.status is AssignmentStatus.DONE
        line = next(x for x in rounds.view(closed).lines if x.assignment.id == training.id)
        assert line.status_then is AssignmentStatus.NOT_STARTED
        # And the open round names what moved since, and its new evidence.
        open_view = rounds.view(db.session.get(FollowUpRound, known["open"]))
        assert open_view.moves and open_view.new_evidence


def test_indicators_have_a_year_of_values_and_the_dashboard_a_closed_round(demo_app):
    known = ids(demo_app)
    client = logged_in(demo_app, "kramfors", "lasare")
    html = client.get(f"/activities/{known['visits']}").get_data(as_text=True)
    assert "Grundliga besök av radiobil på krogarna" in html and "Värden per period" in html
    assert html.count('<tr><th scope="row">') >= 12  # one row per month
    dashboard = client.get(f"/plans/{known['plan']}/dashboard").get_data(as_text=True)
    assert "Ingen uppföljning har stängts ännu" not in dashboard
    assert re.search(r"<th scope=\"row\">Uppföljning (april|oktober) \d{4}</th>", dashboard)


def test_threads_have_shared_comments_and_internal_ones_stay_home(demo_app):
    known = ids(demo_app)
    kramfors = logged_in(demo_app, "kramfors", "lasare")
    solleftea = logged_in(demo_app, "solleftea", "lasare")
    shared = "Polisen kan delta med två patruller."
    internal = "Internt: vi måste hinna med de tre krogar som är kvar"
    for_kramfors = kramfors.get(f"/activities/{known['inspections']}").get_data(as_text=True)
    for_solleftea = solleftea.get(f"/activities/{known['inspections']}").get_data(as_text=True)
    assert shared in for_kramfors and shared in for_solleftea
    assert internal in for_kramfors
    assert internal not in for_solleftea
    lighting = solleftea.get(f"/activities/{known['lighting']}").get_data(as_text=True)
    assert "stadsparken ryms inte" not in lighting  # Kramfors' internal note
    open_round = solleftea.get(f"/rounds/{known['open']}").get_data(as_text=True)
    assert "Kramfors redovisning saknas" in open_round
    assert "vi ligger efter med redovisningen" not in open_round


def test_a_vacant_function_is_flagged_in_the_admin_page(demo_app):
    page = logged_in(demo_app, "kramfors", "admin").get("/admin/users").get_data(as_text=True)
    assert "Vakanta funktioner" in page and "<strong>KUN</strong>" in page


def test_the_history_lies_in_the_past_over_a_year_and_loads_once(empty_app):
    load_full_demo(empty_app)
    demo_app = empty_app
    tables = (StatusChange, Comment, Report, Measurement, AuditEvent, FollowUpRound)
    with demo_app.app_context():
        now = utcnow()
        counts = {t: db.session.scalar(select(func.count(t.id))) for t in tables}
        for table in tables:
            assert db.session.scalar(select(func.max(table.created_at))) <= now
        oldest = db.session.scalar(select(func.min(StatusChange.created_at)))
        assert now - oldest > timedelta(days=270)
        assert db.session.scalar(select(func.max(Measurement.measured_on))) < now.date()
    again = demo_app.test_cli_runner().invoke(args=["demo-data"])
    assert again.exit_code == 0 and "nothing changed" in again.output
    with demo_app.app_context():
        assert counts == {t: db.session.scalar(select(func.count(t.id))) for t in tables}


def test_the_history_is_added_to_a_workspace_that_has_only_the_base(app):
    with app.app_context():
        assert demo.load_demo_history() is True
        assert demo.load_demo_history() is False
        assert len(rounds.rounds_of(seed_plan())) == 2


@pytest.mark.parametrize(
    "today", [date(2026, 12, 1), date(2027, 1, 3), date(2027, 5, 6), date(2027, 5, 8)]
)
def test_the_open_round_fell_due_a_little_before_today(today):
    story = demo.year_two(today)
    assert timedelta(days=7) <= today - story.open_due < timedelta(days=200)
    assert (story.open_due.month, story.closed_due.month) in ((4, 10), (10, 4))
    assert timedelta(days=180) < story.open_due - story.closed_due < timedelta(days=186)
    assert story.closed_closed < story.open_opened


def test_the_demo_has_facts_for_2025_and_the_internal_one_stays_home(demo_app):
    known = ids(demo_app)
    url = f"/plans/{known['plan']}/facts?year=2025"
    for_solleftea = logged_in(demo_app, "solleftea", "lasare").get(url).get_data(as_text=True)
    for_kramfors = logged_in(demo_app, "kramfors", "lasare").get(url).get_data(as_text=True)
    shared = "Anmälda tillgreppsbrott, Sollefteå"
    internal = "Nedskräpning och skadegörelse vid skolan"
    assert shared in for_solleftea and shared in for_kramfors
    assert internal in for_solleftea and internal not in for_kramfors


def test_the_demo_has_this_years_annual_evaluation_as_a_draft(demo_app):
    known = ids(demo_app)
    reader = logged_in(demo_app, "solleftea", "lasare")
    listing = reader.get(f"/plans/{known['plan']}/evaluations").get_data(as_text=True)
    found = re.search(r'href="(/evaluations/\d+)">Årlig utvärdering (\d{4})', listing)
    assert found and "Utkast" in listing
    page = reader.get(found[1]).get_data(as_text=True)
    assert "Hur rådet har arbetat" in page and "Problemen i lägesbilden" in page
    assert "Anmälda tillgreppsbrott, Sollefteå" in page  # a shared fact of the year before
    assert "Nedskräpning och skadegörelse vid skolan" not in page  # an internal one
    assert "står bakom version 1" in page and "har inte tagit ställning än" in page
