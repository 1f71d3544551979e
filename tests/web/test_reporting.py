"""The evaluation report of a round, its Excel and CSV exports, and the plan's JSON archive."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.http import parse_options_header

from tests.conftest import Auth
from tests.factories import (
    COUNCIL_TEXT,
    FORMULA_TEXT,
    INTERNAL_ACTIVITY_NOTE,
    INTERNAL_ROUND_NOTE,
    KRAMFORS_TEXT,
    PASSWORD,
    PDF_BYTES,
    ROUND_TITLE,
    SEED_AREAS,
    SHARED_ACTIVITY_NOTE,
    SHARED_DECISION,
    assignment,
    closed_annual_round,
    demo_user,
    outside_tenant,
    seed_plan,
)
from workspace.extensions import db
from workspace.models import (
    Activity,
    Fact,
    FollowUpRound,
    Indicator,
    Measurement,
    RoundKind,
    SituationPart,
    Visibility,
)
from workspace.services import (
    content,
    council,
    evaluation,
    exports,
    facts,
    indicators,
    rounds,
    situation,
    threads,
)
from workspace.services.text import neutralise

SHARED_PLAN_NOTE = "Delat: arbetsgruppen träffas nästa gång i Kramfors."
INTERNAL_PLAN_NOTE = "Internt: vi behöver fler på mötena."

ACTIVITY = "Utbildning för krogägare och personal i ansvarsfull servering"
HEADER = [
    "Aktivitet",
    "Mål",
    "Funktion",
    "Organisation",
    "Status",
    "Redovisat",
    "Redovisat av",
    "Vad som har gjorts",
    "Underlag",
]
NEUTRALISED = "'" + FORMULA_TEXT


def client_for(app, org: str, local_part: str):
    client = app.test_client()
    Auth(client).login(org, local_part)
    return client


@pytest.fixture
def round_id(app) -> int:
    with app.app_context():
        return closed_annual_round()


def kramfors_reported_on(app, round_id: int) -> date:
    """The day Kramfors reported, in Swedish time (the tests may run around midnight UTC)."""
    with app.app_context():
        entry = rounds.find_report(
            db.session.get(FollowUpRound, round_id), assignment("kramfors", "ION", 1, 3)
        )
        assert entry is not None and entry.reported_at is not None
        return entry.reported_at.astimezone(ZoneInfo("Europe/Stockholm")).date()


def saved_as(response) -> str:
    """The name a browser saves the download under: `filename*`, the real title."""
    disposition, options = parse_options_header(response.headers["Content-Disposition"])
    assert disposition == "attachment"
    return options["filename"]


@pytest.fixture
def viewer(app):
    """A police viewer: sees the round, reported nothing in it, wrote none of the comments."""
    return client_for(app, "polisen", "lasare")


# --- The printable report ------------------------------------------------------------------


def test_the_report_shows_the_round_area_by_area(viewer, round_id):
    response = viewer.get(f"/rounds/{round_id}/report")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Handlingsplan för samverkan mellan Sollefteå kommun och polisen" in html
    assert "Handlingsplan 2011–2013" in html
    assert f"<h1>{ROUND_TITLE}</h1>" in html
    assert "Årlig utvärdering · Redovisas senast 15 maj 2012." in html
    assert re.search(r"<strong>Stängd \d+ \w+ \d{4} av Anders Öberg.</strong>", html)
    # Areas in the plan's order, each activity with its goal.
    positions = [html.index(f"{n}. {title}</h2>") for n, title in enumerate(SEED_AREAS, 1)]
    assert positions == sorted(positions)
    assert ACTIVITY in html and "<strong>Mål:</strong> En gång per år." in html
    # Kramfors' report: who, status then, when and by whom, what was done, the evidence.
    kramfors = html[
        html.index(KRAMFORS_TEXT) - 700 : html.index("</ul>", html.index(KRAMFORS_TEXT))
    ]
    assert "<strong>ION</strong> Kramfors kommun" in kramfors
    assert "Genomförd" in kramfors and "av Lina Forsberg" in kramfors
    assert "Statistik</span> Anmälda krogbråk" in kramfors
    assert 'Anmälda krogbråk · <span class="muted">Källa: BRÅ</span> · ' in kramfors
    assert "1 mars 2012" in kramfors
    assert 'href="https://bra.se/statistik"' in kramfors
    assert "Beslut</span> Beslut om krogutbildning" in kramfors
    assert "Diarienummer KS 2012/17" in kramfors and "protokoll.pdf" in kramfors
    # Every other assignment, with its status then, in one line per activity.
    assert html.count('class="report-unreported__one"') == 60
    assert 0 < html.count("Har inte redovisat:") < 60
    # The annual evaluation: the council's own evaluation, and the shared decision.
    assert "Hur rådet självt har fungerat" in html and COUNCIL_TEXT in html
    assert "Beslut och kommentarer" in html and SHARED_DECISION in html


def test_the_summary_counts_statuses_per_organisation(viewer, round_id):
    html = viewer.get(f"/rounds/{round_id}/report").get_data(as_text=True)
    table = html[html.index('class="table summary-table"') : html.index("</table>")]
    rows = {
        name: [int(n) for n in re.findall(r'class="number"[^>]*>(\d+)</td>', cells)]
        for name, cells in re.findall(r'<th scope="row"[^>]*>([^<]+)</th>(.*?)</tr>', table, re.S)
    }
    # Reported, then one column per status, then the total.
    assert rows["Kramfors kommun"][0] == 1 and rows["Kramfors kommun"][-1] == 17
    assert rows["Sollefteå kommun"][0] == 1 and rows["Sollefteå kommun"][-1] == 18
    assert rows["Polisen, Sollefteå närpolisområde"][0] == 0
    assert rows["Totalt"][0] == 2 and rows["Totalt"][-1] == 62
    assert sum(rows["Totalt"][1:-1]) == 62


def test_internal_comments_never_reach_the_report(app, round_id):
    # Even the organisation that wrote the internal notes does not get them in the report.
    for org in ("kramfors", "polisen"):
        html = client_for(app, org, "samordnare").get(f"/rounds/{round_id}/report")
        text = html.get_data(as_text=True)
        assert SHARED_DECISION in text
        assert INTERNAL_ROUND_NOTE not in text and INTERNAL_ACTIVITY_NOTE not in text


def test_the_report_offers_printing_and_the_exports(viewer, round_id):
    html = viewer.get(f"/rounds/{round_id}/report").get_data(as_text=True)
    assert "data-print hidden>Skriv ut</button>" in html  # shown by script
    assert "webbläsarens utskrift (Ctrl+P)" in html
    assert f'href="/rounds/{round_id}/report.xlsx"' in html
    assert f'href="/rounds/{round_id}/report.csv"' in html


def test_only_the_report_may_carry_its_print_style(viewer, round_id):
    """The running header is an inline style: its nonce is in the report's policy alone."""
    response = viewer.get(f"/rounds/{round_id}/report")
    nonce = re.search(r'<style nonce="([^"]+)">', response.get_data(as_text=True))[1]
    assert f"style-src 'self' 'nonce-{nonce}';" in response.headers["Content-Security-Policy"]
    again = viewer.get(f"/rounds/{round_id}/report")
    assert f"'nonce-{nonce}'" not in again.headers["Content-Security-Policy"]  # new each time
    overview = viewer.get(f"/rounds/{round_id}")
    assert "nonce" not in overview.headers["Content-Security-Policy"]


def test_an_open_round_is_reported_as_preliminary(app, viewer):
    with app.app_context():
        rnd = rounds.open_round(
            demo_user("polisen", "samordnare"),
            seed_plan(),
            RoundKind.WORKING_GROUP,
            "Uppföljning april 2012",
            date(2012, 4, 15),
        )
        round_id = rnd.id
    html = viewer.get(f"/rounds/{round_id}/report").get_data(as_text=True)
    assert "Preliminär: uppföljningen är öppen" in html
    assert "Hur rådet självt har fungerat" not in html  # not an annual evaluation
    assert "Beslut och kommentarer" not in html  # nothing shared in its thread


def test_the_round_page_and_the_rounds_list_link_to_the_report_and_exports(viewer, round_id):
    page = viewer.get(f"/rounds/{round_id}").get_data(as_text=True)
    section = page[page.index('id="exports-title"') :]
    section = section[: section.index("</section>")]
    assert "Rapport och export" in section
    for suffix in ("report", "report.xlsx", "report.csv"):
        assert f'href="/rounds/{round_id}/{suffix}"' in section
    listing = viewer.get("/plans/1/rounds").get_data(as_text=True)
    assert 'href="/plans/1/archive.json"' in listing
    assert f'href="/rounds/{round_id}/report">Rapport' in listing


@pytest.mark.parametrize(
    "path",
    [
        "/rounds/{id}/report",
        "/rounds/{id}/report.xlsx",
        "/rounds/{id}/report.csv",
        "/plans/1/archive.json",
    ],
)
def test_another_tenant_gets_404(app, round_id, path):
    with app.app_context():
        email = outside_tenant().email
    outsider = app.test_client()
    Auth(outsider).login("harnosand", email, PASSWORD)
    assert outsider.get(path.format(id=round_id)).status_code == 404
    anonymous = app.test_client().get(path.format(id=round_id))
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


# --- Excel ---------------------------------------------------------------------------------


def test_the_excel_file_has_a_summary_and_one_typed_sheet_per_area(app, viewer, round_id):
    response = viewer.get(f"/rounds/{round_id}/report.xlsx")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert saved_as(response) == "Årlig utvärdering maj 2012.xlsx"
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''%C3%85rlig%20utv%C3%A4rdering%20maj%202012.xlsx" in disposition
    assert 'filename="Arlig utvardering maj 2012.xlsx"' in disposition  # for old clients
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"

    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Sammanfattning", *SEED_AREAS]

    summary = {row[0]: row[1:] for row in workbook["Sammanfattning"].iter_rows(values_only=True)}
    assert summary["Uppföljning"][0] == ROUND_TITLE
    assert summary["Typ"][0] == "Årlig utvärdering"
    assert summary["Redovisas senast"][0] == datetime(2012, 5, 15)  # a date cell
    assert isinstance(summary["Stängd"][0], datetime)
    assert summary["Organisation"][:2] == ("Redovisade", "Åtaganden")
    assert summary["Kramfors kommun"][:2] == (1, 17)  # numbers, not text
    assert all(isinstance(n, int) for n in summary["Totalt"][:8])
    assert summary["Totalt"][:2] == (2, 62)
    assert summary["Hur rådet självt har fungerat"][0] == COUNCIL_TEXT

    sheet = workbook["Våld i offentlig miljö"]
    assert [cell.value for cell in sheet[1]] == HEADER
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["H"].width >= 40
    rows = [row for row in sheet.iter_rows(min_row=2) if row[2].value == "ION"]
    kramfors = next(row for row in rows if row[3].value == "Kramfors kommun")
    assert kramfors[0].value.startswith(ACTIVITY)
    assert kramfors[1].value.startswith("En gång per år.")
    assert kramfors[4].value == "Genomförd"
    assert kramfors[5].is_date and kramfors[5].value.date() == kramfors_reported_on(app, round_id)
    assert kramfors[6].value == "Lina Forsberg"
    assert kramfors[7].value == KRAMFORS_TEXT
    evidence = kramfors[8].value.splitlines()
    assert evidence == [
        "Statistik: Anmälda krogbråk (BRÅ, 2012-03-01) https://bra.se/statistik",
        "Beslut: Beslut om krogutbildning (dnr KS 2012/17, 2012-02-10) [fil: protokoll.pdf]",
    ]
    solleftea = next(row for row in rows if row[3].value == "Sollefteå kommun")
    assert solleftea[7].value == NEUTRALISED and solleftea[7].data_type == "s"
    unreported = next(row for row in sheet.iter_rows(min_row=2) if row[2].value == "Polis")
    assert unreported[5].value is None and unreported[7].value is None
    # 62 assignments over the six area sheets.
    assert sum(workbook[title].max_row - 1 for title in SEED_AREAS) == 62


def test_no_formula_ends_up_in_the_workbook(viewer, round_id):
    workbook = load_workbook(io.BytesIO(viewer.get(f"/rounds/{round_id}/report.xlsx").data))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)


# --- CSV -----------------------------------------------------------------------------------


def test_the_csv_opens_right_in_swedish_excel(app, viewer, round_id):
    response = viewer.get(f"/rounds/{round_id}/report.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert saved_as(response) == "Årlig utvärdering maj 2012.csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0].count(";") == 9
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == ["Område", *HEADER]
    assert len(rows) == 1 + 62
    assert {row[0] for row in rows[1:]} == set(SEED_AREAS)  # åäö intact
    kramfors = next(r for r in rows if r[3] == "ION" and r[4] == "Kramfors kommun")
    assert kramfors[0] == "Våld i offentlig miljö" and kramfors[1].startswith(ACTIVITY)
    assert kramfors[5] == "Genomförd"
    assert kramfors[6] == kramfors_reported_on(app, round_id).isoformat()
    assert kramfors[8] == KRAMFORS_TEXT
    assert "Diarienummer" not in kramfors[9] and "dnr KS 2012/17" in kramfors[9]
    assert len(kramfors[9].splitlines()) == 2  # one line per piece of evidence, quoted
    solleftea = next(r for r in rows if r[3] == "ION" and r[4] == "Sollefteå kommun")
    assert solleftea[8] == NEUTRALISED  # a formula comes out as text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+46 70 123", "'+46 70 123"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Utbildning = klar", "Utbildning = klar"),
        ("", ""),
    ],
)
def test_formula_starts_are_neutralised(text, expected):
    assert neutralise(text) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Våld i offentlig miljö", "Våld i offentlig miljö"),
        ("Brott: [grova] / små? *alla*", "Brott- -grova- - små- -alla-"),
        ("Ett mycket långt områdesnamn som inte får plats", "Ett mycket långt områdesnamn so"),
    ],
)
def test_sheet_titles_are_valid(title, expected):
    assert exports.sheet_title(title, set()) == expected
    assert len(expected) <= 31


def test_sheet_titles_stay_unique():
    taken: set[str] = set()
    first = exports.sheet_title("A" * 40, taken)
    second = exports.sheet_title("A" * 35, taken)
    assert first == "A" * 31 and second == "A" * 27 + " (2)"


# --- JSON archive --------------------------------------------------------------------------


def test_the_archive_holds_the_whole_plan_and_only_shared_comments(viewer, round_id):
    response = viewer.get("/plans/1/archive.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert saved_as(response) == (
        "Handlingsplan för samverkan mellan Sollefteå kommun och polisen 2011–2013.json"
    )
    raw = response.get_data(as_text=True)
    assert "Sollefteå" in raw and "\\u00e5" not in raw  # ensure_ascii=False
    archive = json.loads(raw)
    assert set(archive) == {
        "format",
        "format_version",
        "exported_at",
        "facts",
        "situation_pictures",
        "evaluations",
        "meetings",
        "plan",
        "areas",
        "rounds",
        "organisations",
        "people",
    }
    assert archive["format"] == "samverkan-plan-archive" and archive["format_version"] == 4
    assert datetime.fromisoformat(archive["exported_at"]).tzinfo is not None

    plan = archive["plan"]
    assert plan["period_start"] == 2011 and plan["period_end"] == 2013
    names = {org["id"]: org["name"] for org in archive["organisations"]}
    assert {names[p["organisation_id"]] for p in plan["participants"]} >= {
        "Kramfors kommun",
        "Polisen, Sollefteå närpolisområde",
    }
    assert [area["title"] for area in archive["areas"]] == SEED_AREAS

    assignments = [
        a for area in archive["areas"] for act in area["activities"] for a in act["assignments"]
    ]
    assert len(assignments) == 62
    first = assignments[0]
    assert set(first["function"]) == {"code", "name", "organisation"}
    assert first["function_id"] and first["archived_at"] is None
    with_history = [a for a in assignments if a["history"]]
    assert with_history, "the demo workspace has status changes"
    change = with_history[0]["history"][-1]
    assert change["to_status"] == with_history[0]["status"] and change["user"]["name"]
    datetime.fromisoformat(change["created_at"])

    (rnd,) = archive["rounds"]
    assert rnd["title"] == ROUND_TITLE and rnd["kind"] == "annual_evaluation"
    assert rnd["due_on"] == "2012-05-15" and rnd["closed_at"]
    assert rnd["council_evaluation"] == COUNCIL_TEXT
    assert len(rnd["reports"]) == 62
    reported = [r for r in rnd["reports"] if r["reported"]]
    assert {r["what_was_done"] for r in reported} == {KRAMFORS_TEXT, FORMULA_TEXT}
    evidence = next(r for r in reported if r["what_was_done"] == KRAMFORS_TEXT)["evidence"]
    assert [e["kind"] for e in evidence] == ["statistics", "decision"]
    assert evidence[0]["source"] == "BRÅ" and evidence[0]["dated_on"] == "2012-03-01"
    assert evidence[1]["registry_number"] == "KS 2012/17"
    assert evidence[1]["filename"] == "protokoll.pdf"
    assert evidence[1]["content_type"] == "application/pdf"
    assert evidence[1]["size"] == len(PDF_BYTES)
    assert "attachment_key" not in raw  # where the file is stored is not archived

    # Shared comments are kept where they were written; internal ones are nowhere.
    assert [c["body"] for c in rnd["thread"]["comments"]] == [SHARED_DECISION]
    activity = archive["areas"][0]["activities"][2]
    assert activity["title"].startswith(ACTIVITY)
    assert [c["body"] for c in activity["thread"]["comments"]] == [SHARED_ACTIVITY_NOTE]
    assert INTERNAL_ROUND_NOTE not in raw and INTERNAL_ACTIVITY_NOTE not in raw


def test_the_archive_leaves_out_internal_comments_even_for_their_own_organisation(app, round_id):
    raw = client_for(app, "kramfors", "samordnare").get("/plans/1/archive.json").data
    text = raw.decode("utf-8")
    assert SHARED_DECISION in text and SHARED_ACTIVITY_NOTE in text
    assert INTERNAL_ROUND_NOTE not in text and INTERNAL_ACTIVITY_NOTE not in text


# --- The archive is the whole record -----------------------------------------------------

# Where the archive keeps the rows of each table (dotted paths through objects and lists).
ARCHIVED_TABLES = {
    "plans": ["plan"],
    "plan_participants": ["plan.participants"],
    "organisations": ["organisations"],
    "functions": ["organisations.functions"],
    "function_holders": ["organisations.functions.holders"],
    "function_holdings": ["organisations.functions.holdings"],
    "users": ["people"],
    "areas": ["areas"],
    "activities": ["areas.activities"],
    "assignments": ["areas.activities.assignments"],
    "status_changes": ["areas.activities.assignments.history"],
    "indicators": ["areas.activities.indicators"],
    "measurements": ["areas.activities.indicators.measurements"],
    "follow_up_rounds": ["rounds"],
    "reports": ["rounds.reports"],
    "evidence": ["rounds.reports.evidence"],
    # Shared facts only: an internal one never leaves its organisation (tested below).
    "facts": ["facts"],
    "situation_pictures": ["situation_pictures"],
    "situation_sections": ["situation_pictures.sections"],
    "situation_agreements": ["situation_pictures.agreements"],
    "problems": ["situation_pictures.problems"],
    "problem_areas": ["situation_pictures.problems.areas"],
    "problem_activities": ["situation_pictures.problems.activities"],
    "evaluations": ["evaluations"],
    "evaluation_sections": ["evaluations.sections"],
    "evaluation_agreements": ["evaluations.agreements"],
    "situation_section_facts": ["situation_pictures.sections.facts"],
    "council_meetings": ["meetings"],
    "meeting_attendance": ["meetings.attendance"],
    "threads": [
        "plan.thread",
        "areas.activities.thread",
        "rounds.thread",
        "situation_pictures.thread",
    ],
    # Shared comments only: internal ones are left out row by row (tested below).
    "comments": [
        "plan.thread.comments",
        "areas.activities.thread.comments",
        "rounds.thread.comments",
        "situation_pictures.thread.comments",
    ],
}
# Tables linked to a plan that the archive leaves out on purpose, and why.
TABLES_LEFT_OUT = {
    "audit_events": "each organisation's own log, internal actions included; the plan's "
    "changes are in the archive as status history, reports and comments",
    "read_markers": "how far each person has read a thread: theirs, not the plan's record",
    "password_links": "one-time secrets for setting a password",
    "notifications": "messages to one person about the plan, with their own read and mail "
    "state; what they point to is archived where it happened",
    "notification_settings": "how each person wants to be told, not part of the plan",
    "activity_watches": "which activities a person follows: theirs, not the plan's record",
    "identity_providers": "how an organisation's people log in, and its client secret: the "
    "organisation's, not the plan's record",
    **dict.fromkeys(
        ("publications", "publication_agreements"),
        "what the public page showed: a copy of plan content the archive holds already",
    ),
}
COLUMNS_LEFT_OUT = {
    ("users", "password_hash"): "a secret",
    ("users", "session_token"): "a secret: part of every login cookie",
    ("users", "email"): "shown only to the person's own organisation's admins",
    ("users", "locale"): "the language a person reads the service in, not part of the plan",
    ("users", "login_issuer"): "who the person is at their organisation's login: theirs",
    ("users", "login_subject"): "who the person is at their organisation's login: theirs",
    ("evidence", "attachment_key"): "where the file lies in the file store; the archive "
    "names the file and keeps its metadata, not its bytes",
    ("facts", "attachment_key"): "where the file lies in the file store, as for evidence",
}


def linked_to_plans() -> set[str]:
    """Every table joined to `plans` through foreign keys, in either direction."""
    neighbours: dict[str, set[str]] = {name: set() for name in db.metadata.tables}
    for table in db.metadata.tables.values():
        for key in table.foreign_keys:
            neighbours[table.name].add(key.column.table.name)
            neighbours[key.column.table.name].add(table.name)
    seen, todo = {"plans"}, ["plans"]
    while todo:
        for name in neighbours[todo.pop()] - seen:
            seen.add(name)
            todo.append(name)
    return seen


def records_at(node, path: str) -> list[dict]:
    if node is None:
        return []
    if isinstance(node, list):
        return [record for item in node for record in records_at(item, path)]
    if not path:
        return [node]
    head, _, rest = path.partition(".")
    return records_at(node.get(head), rest)


@pytest.fixture
def whole_record(app, round_id) -> dict:
    """The demo plan after a closed round, with a measured indicator, an archived area and
    comments in the plan's general thread (one of them internal); returns the archive."""
    with app.app_context():
        plan = seed_plan()
        coordinator = demo_user("polisen", "samordnare")
        indicator = indicators.add_indicator(
            coordinator,
            db.session.get(Activity, 2),
            title="Grundligt besök av radiobil",
            unit="besök",
            target="12",
            period="year",
        )
        indicators.log_measurement(
            demo_user("polisen", "handlaggare"),
            indicator,
            value="9.5",
            measured_on=date(2011, 6, 1),
            source="RAR",
        )
        for visibility, title in (("shared", SHARED_FACT), ("internal", INTERNAL_FACT)):
            facts.record(
                demo_user("polisen", "handlaggare"),
                plan,
                kind="statistics",
                visibility=visibility,
                year="2025",
                title=title,
                source="Polisens statistik",
                period="2025",
                value="412",
                unit="anmälda brott",
                url="https://polisen.se/statistik",
            )
        content.archive_area(coordinator, plan.areas[-1])
        threads.post(coordinator, plan, None, SHARED_PLAN_NOTE, Visibility.SHARED)
        threads.post(coordinator, plan, None, INTERNAL_PLAN_NOTE, Visibility.INTERNAL)
        _agreed_situation_picture(plan, coordinator)
    raw = client_for(app, "polisen", "samordnare").get("/plans/1/archive.json").data
    return json.loads(raw)


def _agreed_situation_picture(plan, coordinator) -> None:
    """A lägesbild with a section written, a problem linked to an area and an activity, one
    organisation's agreement and a shared and an internal comment."""
    picture = situation.start(coordinator, plan, 2025)
    section = picture.section(SituationPart.MAPPING)
    cited = db.session.execute(select(Fact).where(Fact.title == SHARED_FACT)).scalar_one()
    situation.edit_section(
        coordinator, section, SITUATION_TEXT, section.version, fact_ids={cited.id}
    )
    problem = situation.add_problem(
        coordinator,
        picture,
        situation.ProblemText("Våld i offentlig miljö kring krogstängning", ""),
    )
    situation.link_problem(coordinator, problem, {plan.areas[0].id}, {2}, problem.links_version)
    situation.agree(coordinator, picture, picture.content_version)
    threads.post(coordinator, plan, picture, SHARED_SITUATION_NOTE, Visibility.SHARED)
    threads.post(coordinator, plan, picture, INTERNAL_SITUATION_NOTE, Visibility.INTERNAL)
    council.record(
        coordinator,
        plan,
        council.MeetingText(
            "council",
            date(2012, 5, 20),
            MEETING_TITLE,
            "Lägesbilden ligger till grund för årets prioriteringar.",
            {org.id: council.Attendance(True, "2") for org in plan.participants},
        ),
    )
    annual = evaluation.start(coordinator, plan, 2012)
    evaluation.agree(coordinator, annual, annual.content_version)


MEETING_TITLE = "Rådsmöte maj"
SITUATION_TEXT = "Anmälda våldsbrott i centrum ökade under 2025."
SHARED_SITUATION_NOTE = "Vi tar med trygghetsmätningen i nästa version."
INTERNAL_SITUATION_NOTE = "Internt: siffrorna för Ådalen är osäkra."
SHARED_FACT = "Anmälda tillgreppsbrott, Sollefteå"
INTERNAL_FACT = "Egen räkning av klotter, inte kvalitetssäkrad"


def test_the_archive_has_the_lagesbild_and_only_its_shared_comments(whole_record):
    (picture,) = whole_record["situation_pictures"]
    assert picture["year"] == 2025
    (mapping,) = [s for s in picture["sections"] if s["body"] == SITUATION_TEXT]
    assert [cite["fact_id"] for cite in mapping["facts"]] == [whole_record["facts"][0]["id"]]
    (problem,) = picture["problems"]
    assert [link["activity_id"] for link in problem["activities"]] == [2]
    assert [a["content_version"] for a in picture["agreements"]] == [picture["content_version"]]
    assert [c["body"] for c in picture["thread"]["comments"]] == [SHARED_SITUATION_NOTE]
    assert INTERNAL_SITUATION_NOTE not in json.dumps(whole_record, ensure_ascii=False)
    (annual,) = whole_record["evaluations"]
    assert annual["year"] == 2012 and annual["figures"]["areas"]
    assert annual["sections"][0]["part"] == "summary"
    assert len(annual["agreements"]) == 1
    (meeting,) = whole_record["meetings"]
    assert meeting["title"] == MEETING_TITLE
    came = [row["attendees"] for row in meeting["attendance"] if row["attended"]]
    assert came == [2, 2, 2]
    # The plan's own thread is still the plan's, not the lägesbild's.
    assert SHARED_PLAN_NOTE in [c["body"] for c in whole_record["plan"]["thread"]["comments"]]


def test_the_archive_has_the_shared_facts_and_never_an_internal_one(whole_record):
    titles = [fact["title"] for fact in whole_record["facts"]]
    assert titles == [SHARED_FACT]
    assert INTERNAL_FACT not in json.dumps(whole_record, ensure_ascii=False)


def test_every_table_linked_to_a_plan_is_archived_or_left_out_with_a_reason(app):
    with app.app_context():
        linked = linked_to_plans()
        tables = set(db.metadata.tables)
    forgotten = linked - set(ARCHIVED_TABLES) - set(TABLES_LEFT_OUT)
    assert not forgotten, f"add {sorted(forgotten)} to the archive or to TABLES_LEFT_OUT"
    assert set(ARCHIVED_TABLES) | set(TABLES_LEFT_OUT) <= tables  # no stale entries
    assert {table for table, _ in COLUMNS_LEFT_OUT} <= set(ARCHIVED_TABLES)


def test_every_column_of_an_archived_table_is_in_the_archive(app, whole_record):
    with app.app_context():
        columns = {name: {c.name for c in t.columns} for name, t in db.metadata.tables.items()}
    problems = []
    for table, paths in ARCHIVED_TABLES.items():
        records = [record for path in paths for record in records_at(whole_record, path)]
        if not records:
            problems.append(f"{table}: the test data put no row in the archive")
        left_out = {column for (name, column) in COLUMNS_LEFT_OUT if name == table}
        for record in records:
            if missing := columns[table] - left_out - set(record):
                problems.append(f"{table}: archive {sorted(missing)} or list in COLUMNS_LEFT_OUT")
            if leaked := left_out & set(record):
                problems.append(f"{table}: {sorted(leaked)} must stay out")
    assert not sorted(set(problems)), "\n".join(sorted(set(problems)))


def test_the_archive_keeps_archived_content_with_its_date_and_the_indicators(whole_record):
    assert whole_record["format_version"] == 4
    *current, archived = whole_record["areas"]
    assert all(area["archived_at"] is None for area in current)
    assert datetime.fromisoformat(archived["archived_at"]).tzinfo is not None
    assert archived["activities"] and all(
        act["archived_at"] == archived["archived_at"]
        and all(a["archived_at"] == archived["archived_at"] for a in act["assignments"])
        for act in archived["activities"]
    )
    activity = next(act for area in current for act in area["activities"] if act["id"] == 2)
    (indicator,) = activity["indicators"]
    assert indicator["title"] == "Grundligt besök av radiobil" and indicator["target"] == "12.00"
    assert indicator["period"] == "year" and indicator["unit"] == "besök"
    (measurement,) = indicator["measurements"]
    assert measurement["value"] == "9.50" and measurement["measured_on"] == "2011-06-01"
    assert measurement["source"] == "RAR"
    people = {person["id"]: person for person in whole_record["people"]}
    assert people[measurement["user_id"]]["name"] == measurement["user"]["name"]


def test_the_archive_names_the_organisations_functions_and_their_holders(whole_record):
    organisations = {org["name"]: org for org in whole_record["organisations"]}
    participants = {p["organisation_id"] for p in whole_record["plan"]["participants"]}
    assert {organisations[name]["id"] for name in organisations} >= participants
    kramfors = organisations["Kramfors kommun"]
    ion = next(f for f in kramfors["functions"] if f["code"] == "ION")
    people = {person["id"]: person for person in whole_record["people"]}
    assert ion["holders"] and all(people[h["user_id"]]["name"] for h in ion["holders"])
    assert "Lina Forsberg" in {person["name"] for person in people.values()}


def test_the_archive_holds_shared_comments_and_never_an_internal_one(whole_record):
    raw = json.dumps(whole_record, ensure_ascii=False)
    comments = [c for path in ARCHIVED_TABLES["comments"] for c in records_at(whole_record, path)]
    assert {c["visibility"] for c in comments} == {"shared"}
    assert [c["body"] for c in whole_record["plan"]["thread"]["comments"]] == [SHARED_PLAN_NOTE]
    for note in (INTERNAL_PLAN_NOTE, INTERNAL_ROUND_NOTE, INTERNAL_ACTIVITY_NOTE):
        assert note not in raw


# --- Indicators in the report --------------------------------------------------------------


@pytest.fixture
def measured(app, round_id) -> int:
    """A target on the police's radio-car visits, with values in two years."""
    with app.app_context():
        indicator = indicators.add_indicator(
            demo_user("polisen", "samordnare"),
            db.session.get(Activity, 2),
            title="Grundligt besök av radiobil",
            unit="besök",
            target="12",
            period="year",
        )
        member = demo_user("polisen", "handlaggare")
        for value, day in (("9", date(2011, 6, 1)), ("13", date(2012, 4, 1))):
            indicators.log_measurement(
                member, indicator, value=value, measured_on=day, source="RAR"
            )
    return round_id


def test_the_report_shows_indicators_against_their_targets(viewer, measured):
    html = viewer.get(f"/rounds/{measured}/report").get_data(as_text=True)
    assert "Grundligt besök av radiobil" in html
    assert "mål: minst 12 besök per år" in html
    assert "2011: 9 av 12 besök (75 %)" in html and "2012: 13 av 12 besök (108 %) ✓" in html


def test_the_excel_file_has_the_indicators_as_numbers(viewer, measured):
    workbook = load_workbook(io.BytesIO(viewer.get(f"/rounds/{measured}/report.xlsx").data))
    sheet = workbook["Mått"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Område",
        "Aktivitet",
        "Vad som mäts",
        "Enhet",
        "Period",
        "Värde",
        "Mål",
        "Andel av målet",
    )
    assert rows[1][2:] == ("Grundligt besök av radiobil", "besök", "2011", 9.0, 12.0, 0.75)
    assert rows[2][5:] == (13.0, 12.0, 1.08)


def test_a_removed_value_leaves_the_report_and_the_excel_file(app, viewer, measured):
    with app.app_context():
        wrong = db.session.execute(
            select(Measurement).where(Measurement.value == Decimal("13"))
        ).scalar_one()
        indicators.remove_measurement(
            demo_user("polisen", "handlaggare"), wrong, expected_version=wrong.version
        )
    html = viewer.get(f"/rounds/{measured}/report").get_data(as_text=True)
    assert "2011: 9 av 12 besök (75 %)" in html and "2012:" not in html
    workbook = load_workbook(io.BytesIO(viewer.get(f"/rounds/{measured}/report.xlsx").data))
    assert [row[4] for row in workbook["Mått"].iter_rows(min_row=2, values_only=True)] == ["2011"]


def test_an_archived_indicator_is_not_in_new_reports(app, viewer, measured):
    with app.app_context():
        indicator = db.session.execute(select(Indicator)).scalar_one()
        indicators.archive_indicator(demo_user("kramfors", "samordnare"), indicator)
    html = viewer.get(f"/rounds/{measured}/report").get_data(as_text=True)
    assert "Grundligt besök av radiobil" not in html
    workbook = load_workbook(io.BytesIO(viewer.get(f"/rounds/{measured}/report.xlsx").data))
    assert "Mått" not in workbook.sheetnames
