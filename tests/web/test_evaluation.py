"""The annual evaluation: its draft written from the year's data, edited together, agreed by
each organisation, fixed, printed and downloaded as a Word document."""

from __future__ import annotations

import io
from datetime import date

from docx import Document

from tests.conftest import Auth
from tests.factories import COUNCIL_TEXT, assignment, closed_annual_round, demo_user, seed_plan
from tests.web.test_content import client_for, post
from workspace.extensions import db
from workspace.models import Evaluation
from workspace.services import council, evaluation, facts, indicators, situation

YEAR = 2012
SHARED_FACT = "Anmälda krogbråk i centrum"
INTERNAL_FACT = "Internt: vakterna vill inte synas i rapporten"
PROBLEM = "Våld kring krogstängning"
DECISION = "Lägesbilden läggs till grund för årets prioriteringar."


def year_of_data(app) -> None:
    """A closed May round of 2012 with the council's text, a target with a value that year,
    a shared and an internal fact, the year before's lägesbild with a problem, and the
    council's May meeting: Kramfors there with two people, Sollefteå there uncounted."""
    with app.app_context():
        closed_annual_round()
        plan = seed_plan()
        activity = assignment("kramfors", "ION", 1, 3).activity
        target = indicators.add_indicator(
            demo_user("kramfors", "samordnare"),
            activity,
            title="Krogar som gått utbildningen",
            unit="krogar",
            target="10",
            period="year",
        )
        indicators.log_measurement(
            demo_user("kramfors", "handlaggare"),
            target,
            value="12",
            measured_on=date(YEAR, 3, 1),
            source="Egen räkning",
        )
        for visibility, title in (("shared", SHARED_FACT), ("internal", INTERNAL_FACT)):
            facts.record(
                demo_user("kramfors", "handlaggare"),
                plan,
                kind="statistics",
                visibility=visibility,
                year=str(YEAR - 1),
                title=title,
                source="Polisens statistik",
                period=str(YEAR - 1),
                value="57",
                unit="anmälda brott",
            )
        picture = situation.start(demo_user("kramfors", "samordnare"), plan, YEAR - 1)
        problem = situation.add_problem(
            demo_user("kramfors", "handlaggare"),
            picture,
            situation.ProblemText(PROBLEM, ""),
        )
        situation.link_problem(
            demo_user("kramfors", "samordnare"), problem, set(), {activity.id}, 1
        )
        came = {"kramfors": council.Attendance(True, "2"), "solleftea": council.Attendance(True)}
        council.record(
            demo_user("kramfors", "samordnare"),
            plan,
            council.MeetingText(
                "council",
                date(YEAR, 5, 20),
                "Rådsmöte maj",
                DECISION,
                {org.id: came.get(org.slug, council.Attendance()) for org in plan.participants},
            ),
        )


def started(app, year: int = YEAR) -> int:
    with app.app_context():
        plan = seed_plan()
        return evaluation.start(demo_user("kramfors", "samordnare"), plan, year).id


def content_version(app, evaluation_id: int) -> int:
    with app.app_context():
        return db.session.get(Evaluation, evaluation_id).content_version


def section_version(app, evaluation_id: int, position: int = 1) -> int:
    with app.app_context():
        return db.session.get(Evaluation, evaluation_id).section_at(position).version


def word_text(response) -> str:
    document = Document(io.BytesIO(response.get_data()))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(texts)


def test_a_coordinator_starts_the_years_evaluation_once_with_a_draft_from_the_data(app):
    year_of_data(app)
    coordinator = client_for(app, "kramfors", "samordnare")
    first = post(coordinator, "/plans/1/evaluations", year=str(YEAR))
    assert first.status_code == 303
    page = coordinator.get(first.headers["Location"]).get_data(as_text=True)
    assert "Årlig utvärdering 2012" in page
    for heading in ("Sammanfattning", "Våld i offentlig miljö", "Hur rådet har arbetat"):
        assert heading in page
    assert "Lägesbildens problem i dag" in page
    # Goal achievement: the activity's indicator against its target in the year.
    assert "Krogar som gått utbildningen: 12 av 10 krogar (120 %) under 2012, målet nått." in page
    # The problems of the year before's lägesbild, with the measure addressing it.
    assert "Problemen i lägesbilden 2011:" in page and PROBLEM in page
    # The council: its meetings, who came, what it decided; the May round, closed, reports
    # per organisation, and its own evaluation.
    assert "Möten under 2012: Brottsförebyggande rådet: 1 möte." in page
    assert "Kramfors kommun med på 1 av 1 möte (2 personer); Sollefteå kommun med på 1 av 1" in page
    assert "Sollefteå kommun med på 1 av 1 möte.</p>" in page
    assert "Inte med på något av mötena: Polisen, Sollefteå närpolisområde, " in page
    assert f"– {DECISION} (Rådsmöte maj, 20 maj 2012)" in page
    assert "Årlig utvärdering maj 2012 (Årlig utvärdering)" in page
    assert "Kramfors kommun 1 av" in page
    assert COUNCIL_TEXT in page
    # Facts then and now: shared only.
    assert SHARED_FACT in page and INTERNAL_FACT not in page
    again = post(coordinator, "/plans/1/evaluations", year=str(YEAR))
    assert again.status_code == 422
    assert "redan en årlig utvärdering" in again.get_data(as_text=True)


def test_the_draft_is_swedish_whatever_language_the_coordinator_reads(app):
    coordinator = client_for(app, "kramfors", "samordnare")
    post(coordinator, "/language", locale="en")
    listing = coordinator.get("/plans/1/evaluations").get_data(as_text=True)
    assert "Start an annual evaluation" in listing
    answer = post(coordinator, "/plans/1/evaluations", year=str(YEAR))
    assert answer.status_code == 303
    with app.app_context():
        started_one = db.session.execute(db.select(Evaluation)).scalar_one()
        bodies = " ".join(s.body for s in started_one.sections)
        headings = [s.heading for s in started_one.sections]
    assert "Mål:" in bodies and "Status:" in bodies
    assert headings[0] == "Sammanfattning"


def test_two_starts_at_once_the_later_answers_409_with_the_form(app, monkeypatch):
    started(app)
    # The later of two starts saw no evaluation of the year yet: the database refuses it.
    monkeypatch.setattr(evaluation, "evaluations_of", lambda plan: [])
    coordinator = client_for(app, "solleftea", "samordnare")
    later = post(coordinator, "/plans/1/evaluations", year=str(YEAR))
    assert later.status_code == 409
    html = later.get_data(as_text=True)
    assert "redan en årlig utvärdering" in html and f'value="{YEAR}"' in html
    with app.app_context():
        assert len(db.session.execute(db.select(Evaluation)).scalars().all()) == 1


def test_an_internal_fact_never_reaches_the_draft_the_print_or_the_word_file(app):
    year_of_data(app)
    evaluation_id = started(app)
    # Even its own organisation's readers do not see it there: the document leaves them.
    reader = client_for(app, "kramfors", "handlaggare")
    for path in (f"/evaluations/{evaluation_id}", f"/evaluations/{evaluation_id}/print"):
        html = reader.get(path).get_data(as_text=True)
        assert SHARED_FACT in html and INTERNAL_FACT not in html, path
    word = reader.get(f"/evaluations/{evaluation_id}/word")
    assert SHARED_FACT in word_text(word) and INTERNAL_FACT not in word_text(word)
    with app.app_context():
        stored = db.session.get(Evaluation, evaluation_id)
        assert INTERNAL_FACT not in str(stored.figures)
        assert all(INTERNAL_FACT not in s.body for s in stored.sections)


def test_a_stale_edit_answers_409_with_both_texts_and_keeps_mine(app):
    evaluation_id = started(app)
    path = f"/evaluations/{evaluation_id}/sections/1"
    seen = section_version(app, evaluation_id)
    member = client_for(app, "kramfors", "handlaggare")
    other = client_for(app, "solleftea", "handlaggare")
    saved = post(member, path, body="Året gav färre krogbråk.", version=seen)
    assert saved.status_code == 303
    stale = post(other, path, body="Min egen sammanfattning.", version=seen)
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Året gav färre krogbråk." in html and "Min egen sammanfattning." in html
    fragment = other.post(
        path,
        data={"csrf_token": Auth(other).csrf_token("/plans/1"), "body": "Igen", "version": seen},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 409 and "<html" not in fragment.get_data(as_text=True)


def test_an_identity_number_is_refused_until_confirmed(app):
    evaluation_id = started(app)
    member = client_for(app, "kramfors", "handlaggare")
    path = f"/evaluations/{evaluation_id}/sections/1"
    body = "Gäller 19121212-1212."
    refused = post(member, path, body=body, version=section_version(app, evaluation_id))
    assert refused.status_code == 422 and "19121212-1212" in refused.get_data(as_text=True)
    confirmed = post(
        member,
        path,
        body=body,
        version=section_version(app, evaluation_id),
        confirm_no_personal_data="y",
    )
    assert confirmed.status_code == 303


def _agree(app, evaluation_id: int, org: str) -> None:
    client = client_for(app, org, "samordnare")
    answer = post(
        client,
        f"/evaluations/{evaluation_id}/agree",
        content_version=content_version(app, evaluation_id),
    )
    assert answer.status_code == 303, org


def test_an_edit_and_a_refresh_of_the_figures_withdraw_the_agreements(app):
    evaluation_id = started(app)
    _agree(app, evaluation_id, "kramfors")
    coordinator = client_for(app, "kramfors", "samordnare")
    page = coordinator.get(f"/evaluations/{evaluation_id}").get_data(as_text=True)
    assert "står bakom version 1" in page
    post(
        coordinator,
        f"/evaluations/{evaluation_id}/sections/2",
        body="Nytt om området.",
        version=section_version(app, evaluation_id, 2),
    )
    page = coordinator.get(f"/evaluations/{evaluation_id}").get_data(as_text=True)
    assert "stod bakom version 1" in page and "återkallat" in page
    _agree(app, evaluation_id, "kramfors")
    stale = post(coordinator, f"/evaluations/{evaluation_id}/figures", content_version="1")
    assert stale.status_code == 409
    refreshed = post(
        coordinator,
        f"/evaluations/{evaluation_id}/figures",
        content_version=content_version(app, evaluation_id),
    )
    assert refreshed.status_code == 303
    page = coordinator.get(f"/evaluations/{evaluation_id}").get_data(as_text=True)
    assert "stod bakom version 2" in page and "Nytt om området." in page


def test_the_figures_stay_as_taken_until_fetched_anew(app):
    evaluation_id = started(app)
    with app.app_context():
        activity = assignment("kramfors", "ION", 1, 3).activity
        indicators.add_indicator(
            demo_user("kramfors", "samordnare"),
            activity,
            title="Nytt mått efter starten",
            unit="st",
            target="3",
            period="year",
        )
    coordinator = client_for(app, "kramfors", "samordnare")
    path = f"/evaluations/{evaluation_id}"
    assert "Nytt mått efter starten" not in coordinator.get(path).get_data(as_text=True)
    post(coordinator, f"{path}/figures", content_version=content_version(app, evaluation_id))
    assert "Nytt mått efter starten" in coordinator.get(path).get_data(as_text=True)


def test_fixing_only_when_every_organisation_agreed_and_then_locked(app):
    evaluation_id = started(app)
    coordinator = client_for(app, "kramfors", "samordnare")
    fix = f"/evaluations/{evaluation_id}/fix"
    early = post(coordinator, fix, content_version=content_version(app, evaluation_id))
    assert early.status_code == 422
    for org in ("kramfors", "solleftea", "polisen"):
        _agree(app, evaluation_id, org)
    assert (
        post(coordinator, fix, content_version=content_version(app, evaluation_id)).status_code
        == 303
    )
    page = coordinator.get(f"/evaluations/{evaluation_id}").get_data(as_text=True)
    assert "Fastställd" in page and "Redigera" not in page
    member = client_for(app, "solleftea", "handlaggare")
    locked = post(
        member,
        f"/evaluations/{evaluation_id}/sections/1",
        body="Sent tillägg",
        version=section_version(app, evaluation_id),
    )
    assert locked.status_code == 409 and "Sent tillägg" in locked.get_data(as_text=True)
    refresh = post(
        coordinator,
        f"/evaluations/{evaluation_id}/figures",
        content_version=content_version(app, evaluation_id),
    )
    assert refresh.status_code == 409
    assert "fastställd" in refresh.get_data(as_text=True)


def test_the_word_document_opens_with_the_headings_tables_and_texts(app):
    year_of_data(app)
    evaluation_id = started(app)
    member = client_for(app, "kramfors", "handlaggare")
    post(
        member,
        f"/evaluations/{evaluation_id}/sections/1",
        body="Rådet når de flesta målen.\n\nKrogutbildningen fortsätter.",
        version=section_version(app, evaluation_id),
    )
    answer = member.get(f"/evaluations/{evaluation_id}/word")
    assert answer.status_code == 200
    assert answer.mimetype.endswith("wordprocessingml.document")
    assert "arsuppfoljning-2012.docx" in answer.headers["Content-Disposition"]
    document = Document(io.BytesIO(answer.get_data()))
    headings = [
        p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))
    ]
    assert headings[:2] == ["Årlig utvärdering 2012", "Sammanfattning"]
    assert "Hur rådet har arbetat" in headings and "Lägesbildens problem i dag" in headings
    text = word_text(answer)
    assert "Rådet når de flesta målen." in text and "Krogutbildningen fortsätter." in text
    assert "12 av 10 krogar (120 %)" in text  # the figures table
    assert COUNCIL_TEXT in text


def test_the_print_page_is_laid_out_for_a4(app):
    evaluation_id = started(app)
    reader = client_for(app, "solleftea", "lasare")
    answer = reader.get(f"/evaluations/{evaluation_id}/print")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "@bottom-right" in html and "Sida" in html  # running header and page numbers
    assert "Utkast" in html and "Hur rådet har arbetat" in html


def test_a_viewer_reads_but_may_not_write_and_a_member_does_not_start(app):
    evaluation_id = started(app)
    viewer = client_for(app, "kramfors", "lasare")
    assert viewer.get(f"/evaluations/{evaluation_id}").status_code == 200
    refused = post(viewer, f"/evaluations/{evaluation_id}/sections/1", body="x", version="1")
    assert refused.status_code == 403
    member = client_for(app, "kramfors", "handlaggare")
    assert post(member, "/plans/1/evaluations", year="2013").status_code == 403
    assert member.get(f"/evaluations/{evaluation_id}/sections/99").status_code == 404


def test_the_plan_links_to_its_evaluations(app):
    reader = client_for(app, "kramfors", "lasare")
    assert "/plans/1/evaluations" in reader.get("/plans/1").get_data(as_text=True)
