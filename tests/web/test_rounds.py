"""Follow-up rounds: opening, reporting with evidence, attachments, closing, differences."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from tests.conftest import Auth, csrf_token_from
from tests.factories import PASSWORD, assignment, demo_user, outside_tenant, seed_plan
from workspace.extensions import db
from workspace.models import (
    AssignmentStatus,
    AuditEvent,
    Evidence,
    FollowUpRound,
    Report,
    RoundKind,
)
from workspace.services import rounds, transaction
from workspace.services.assignments import change_status

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def client_for(app, org: str, local_part: str):
    client = app.test_client()
    Auth(client).login(org, local_part)
    return client


def token(client, path: str = "/plans/1") -> str:
    return Auth(client).csrf_token(path)


def open_round(app, kind=RoundKind.WORKING_GROUP, title="Uppföljning april 2012") -> int:
    with app.app_context():
        rnd = rounds.open_round(
            demo_user("kramfors", "samordnare"), seed_plan(), kind, title, date(2012, 4, 15)
        )
        return rnd.id


def ion(app, org: str = "kramfors") -> int:
    with app.app_context():
        return assignment(org, "ION", 1, 3).id


def report_url(round_id: int, assignment_id: int) -> str:
    return f"/rounds/{round_id}/reports/{assignment_id}"


def report_version(html: str) -> str:
    """The version the report form carries: what the user saw (0 before the first save)."""
    return re.search(r'name="version" type="hidden" value="(\d*)"', html).group(1)


def post_report(client, round_id, assignment_id, text="Utbildning hölls i mars.", **extra):
    """Save as a user does: open the report, then send the form with what it carried."""
    page = client.get(report_url(round_id, assignment_id)).get_data(as_text=True)
    fields = {"csrf_token": token(client), "what_was_done": text, "version": "0"}
    if "Spara redovisningen" in page:
        fields["version"] = report_version(page)
    return client.post(report_url(round_id, assignment_id), data={**fields, **extra})


def add_evidence(client, round_id, assignment_id, **fields):
    data = {"csrf_token": token(client), "kind": "report", "title": "Underlag", **fields}
    return client.post(
        f"{report_url(round_id, assignment_id)}/evidence",
        data=data,
        content_type="multipart/form-data",
    )


def evidence_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Evidence.id)))


# --- Opening -------------------------------------------------------------------------------


def test_a_coordinator_opens_a_round(app):
    coordinator = client_for(app, "polisen", "samordnare")
    page = coordinator.get("/plans/1/rounds").get_data(as_text=True)
    assert "Öppna en ny uppföljning" in page
    assert "Lämna tomt för att få en rubrik efter typen och datumet" in page
    response = coordinator.post(
        "/plans/1/rounds",
        data={
            "csrf_token": token(coordinator),
            "kind": "working_group",
            "title": "Uppföljning april 2012",
            "due_on": "2012-04-15",
            "confirm_past_due": "y",  # the demo plan's rounds lie in 2012
        },
    )
    assert response.status_code == 303
    html = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Uppföljning april 2012" in html and "Redovisas senast 15 april 2012." in html
    assert "0 av 62 redovisade" in html
    assert "Kramfors kommun:</span> 0 av 17 redovisade" in html
    assert "Polisen, Sollefteå närpolisområde:</span> 0 av 18 redovisade" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "working_group", "title": "X", "due_on": ""}, "Ange datum då organisationerna"),
        ({"kind": "monthly", "title": "X", "due_on": "2012-04-15"}, "Inte ett giltigt val"),
        (
            {"kind": "working_group", "title": "Uppföljning april 2012", "due_on": "2012-04-15"},
            "Planen har redan en uppföljning med den rubriken.",
        ),
    ],
)
def test_opening_refuses_bad_input_with_a_message(app, data, message):
    open_round(app)
    coordinator = client_for(app, "polisen", "samordnare")
    response = coordinator.post("/plans/1/rounds", data={"csrf_token": token(coordinator), **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(FollowUpRound.id))) == 1


def test_members_cannot_open_rounds_and_outsiders_see_none(app):
    member = client_for(app, "kramfors", "handlaggare")
    assert "Öppna en ny uppföljning" not in member.get("/plans/1/rounds").get_data(as_text=True)
    response = member.post(
        "/plans/1/rounds",
        data={
            "csrf_token": token(member),
            "kind": "working_group",
            "title": "X",
            "due_on": "2012-04-01",
        },
    )
    assert response.status_code == 403
    round_id = open_round(app)
    with app.app_context():
        email = outside_tenant().email
    outsider = app.test_client()
    Auth(outsider).login("harnosand", email, PASSWORD)
    for path in ("/plans/1/rounds", f"/rounds/{round_id}", report_url(round_id, ion(app))):
        assert outsider.get(path).status_code == 404


# --- Reporting -----------------------------------------------------------------------------


def test_a_member_reports_and_the_status_then_is_kept(app):
    round_id, target = open_round(app), ion(app)
    member = client_for(app, "kramfors", "handlaggare")
    assert "Spara redovisningen" in member.get(report_url(round_id, target)).get_data(as_text=True)
    response = post_report(member, round_id, target)
    assert response.status_code == 303
    with app.app_context():
        entry = db.session.execute(select(Report)).scalar_one()
        assert entry.status is AssignmentStatus.DONE
        assert entry.what_was_done == "Utbildning hölls i mars."
        assert entry.reported_by.email == "handlaggare@kramfors.example"
    html = member.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "1 av 62 redovisade" in html and "Kramfors kommun:</span> 1 av 17 redovisade" in html


@pytest.mark.parametrize(
    ("org", "local_part", "expected"),
    [("kramfors", "lasare", 403), ("solleftea", "handlaggare", 403), ("kramfors", "admin", 303)],
)
def test_only_the_responsible_organisation_reports(app, org, local_part, expected):
    round_id, target = open_round(app), ion(app)
    assert post_report(client_for(app, org, local_part), round_id, target).status_code == expected


def test_a_coordinator_reports_for_a_partner(app):
    round_id = open_round(app)
    with app.app_context():
        tax = assignment("skatteverket", "Skattemyndighet", 1, 1).id
    assert post_report(client_for(app, "solleftea", "samordnare"), round_id, tax).status_code == 303
    assert (
        post_report(client_for(app, "solleftea", "handlaggare"), round_id, tax).status_code == 403
    )


def test_an_empty_report_is_refused_and_kept_in_the_form(app):
    round_id, target = open_round(app), ion(app)
    member = client_for(app, "kramfors", "handlaggare")
    response = post_report(member, round_id, target, text="   ")
    assert response.status_code == 422 and "Skriv vad som har gjorts." in response.get_data(
        as_text=True
    )


def test_the_filter_shows_my_organisations_unreported(app):
    round_id, target = open_round(app), ion(app)
    member = client_for(app, "kramfors", "handlaggare")
    post_report(member, round_id, target)
    html = member.get(f"/rounds/{round_id}?show=mine-unreported").get_data(as_text=True)
    rows = re.findall(
        r'<th scope="row" data-label="Ansvarig">(\S+) <span class="muted">([^<]+)</span>', html
    )
    assert len(rows) == 16
    assert {org for _, org in rows} == {"Kramfors kommun"}


# --- Two people writing the same report --------------------------------------------------

HX = {"HX-Request": "true"}


def typed_text(html: str) -> str:
    """What the report's text box holds."""
    match = re.search(r'<textarea[^>]*name="what_was_done"[^>]*>(.*?)</textarea>', html, re.S)
    return match.group(1).strip()


def save_seen(client, round_id, assignment_id, page: str, text: str, headers=None):
    """Send the report form as it was on `page`, with `text` typed into it."""
    return client.post(
        report_url(round_id, assignment_id),
        data={
            "csrf_token": csrf_token_from(page),
            "version": report_version(page),
            "what_was_done": text,
        },
        headers=headers or {},
    )


@pytest.mark.parametrize("first", ["handlaggare", "samordnare"])
def test_the_second_of_two_first_saves_sees_the_first_instead_of_overwriting_it(app, first):
    round_id, target = open_round(app), ion(app)
    second = "samordnare" if first == "handlaggare" else "handlaggare"
    writers = {name: client_for(app, "kramfors", name) for name in (first, second)}
    # Both open the report before anyone has saved it.
    pages = {
        name: client.get(report_url(round_id, target)).get_data(as_text=True)
        for name, client in writers.items()
    }
    texts = {first: "Tre krogar kontrollerades i mars.", second: "Utbildningen hölls i april."}
    saved = save_seen(writers[first], round_id, target, pages[first], texts[first])
    assert saved.status_code == 303

    conflict = save_seen(writers[second], round_id, target, pages[second], texts[second])
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    with app.app_context():
        author = demo_user("kramfors", first)
        assert f"Sparad av {author.name}, Kramfors kommun" in html
    assert texts[first] in html  # theirs, as saved
    assert typed_text(html) == texts[second]  # mine, still in the form
    assert "Spara min text ändå" in html and "Behåll deras" in html
    with app.app_context():
        assert db.session.execute(select(Report.what_was_done)).scalar_one() == texts[first]

    # "Save mine anyway": the form now carries the version the user has seen.
    anyway = save_seen(writers[second], round_id, target, html, texts[second])
    assert anyway.status_code == 303
    with app.app_context():
        entry = db.session.execute(select(Report)).scalar_one()
        assert entry.what_was_done == texts[second]
        assert entry.reported_by.email == f"{second}@kramfors.example"


def test_a_report_saved_meanwhile_is_a_conflict_in_the_fragment_too(app):
    round_id, target = open_round(app), ion(app)
    one, other = client_for(app, "kramfors", "handlaggare"), client_for(app, "kramfors", "admin")
    seen = other.get(report_url(round_id, target)).get_data(as_text=True)
    assert post_report(one, round_id, target, text="Först sparad.").status_code == 303
    conflict = save_seen(other, round_id, target, seen, "Sparad sist.", headers=HX)
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409 and "<html" not in html
    assert "Först sparad." in html and typed_text(html) == "Sparad sist."


def test_a_report_form_without_its_version_is_refused_not_saved(app):
    round_id, target = open_round(app), ion(app)
    member = client_for(app, "kramfors", "handlaggare")
    response = member.post(
        report_url(round_id, target),
        data={"csrf_token": token(member), "what_was_done": "Utan version."},
    )
    assert response.status_code == 422 and "Utan version." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Report.id))) == 0


# --- A closed round keeps what the user typed ----------------------------------------------


def close_now(app, round_id: int) -> None:
    with app.app_context():
        rounds.close_round(
            demo_user("kramfors", "samordnare"), db.session.get(FollowUpRound, round_id)
        )


@pytest.fixture
def closed_as_it_writes(app, monkeypatch):
    """Arm for a round: another coordinator closes it just as a change to it starts writing,
    after every check in the request has seen it open."""

    def arm(round_id: int) -> None:
        original = transaction.write

        def closing_first(**options):
            monkeypatch.setattr(transaction, "write", original)
            close_now(app, round_id)
            return original(**options)

        monkeypatch.setattr(transaction, "write", closing_first)

    return arm


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_a_report_sent_after_the_round_closed_keeps_the_text(app, headers):
    round_id, target = open_round(app), ion(app)
    member = client_for(app, "kramfors", "handlaggare")
    page = member.get(report_url(round_id, target)).get_data(as_text=True)
    close_now(app, round_id)
    response = save_seen(member, round_id, target, page, "Skrivet medan den stängdes.", headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert typed_text(html) == "Skrivet medan den stängdes."
    assert html.count("Uppföljningen är stängd") == 1
    assert ("<html" in html) == (not headers)


@pytest.mark.parametrize("closing", ["before", "as-it-writes"])
@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_evidence_sent_after_the_round_closed_keeps_what_was_filled_in(
    app, reported, headers, closing, closed_as_it_writes
):
    member, round_id, target = reported
    if closing == "before":
        close_now(app, round_id)
    else:  # after every check in the request saw it open
        closed_as_it_writes(round_id)
    response = member.post(
        f"{report_url(round_id, target)}/evidence",
        data={
            "csrf_token": token(member),
            "kind": "decision",
            "title": "Beslut om tillsynsplan",
            "url": "https://kramfors.se/beslut",
            "registry_number": "KS 2012/114",
        },
        headers=headers,
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Beslut om tillsynsplan" in html and "KS 2012/114" in html
    assert html.count("Uppföljningen är stängd") == 1
    assert evidence_count(app) == 0


def test_a_round_closed_between_loading_and_saving_answers_409_not_500(app, monkeypatch):
    round_id, target = open_round(app), ion(app)
    member = client_for(app, "kramfors", "handlaggare")
    page = member.get(report_url(round_id, target)).get_data(as_text=True)
    original = rounds.report

    def closed_meanwhile(actor, rnd, *args, **kwargs):
        # Another coordinator closes the round after the view saw it open.
        close_now(app, round_id)
        return original(actor, rnd, *args, **kwargs)

    monkeypatch.setattr(rounds, "report", closed_meanwhile)
    response = save_seen(member, round_id, target, page, "Hann inte fram.")
    assert response.status_code == 409
    assert typed_text(response.get_data(as_text=True)) == "Hann inte fram."
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(Report.id)).where(Report.reported_at.is_not(None)))
            == 0
        )


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_a_report_on_an_expired_page_keeps_the_text_with_a_fresh_token(app, headers):
    round_id, target = open_round(app), ion(app)
    member = client_for(app, "kramfors", "handlaggare")
    page = member.get(report_url(round_id, target)).get_data(as_text=True)
    with member.session_transaction() as session:
        session.pop("csrf_token", None)
    refused = save_seen(member, round_id, target, page, "Skrivet länge.", headers)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert typed_text(html) == "Skrivet länge."
    assert html.count("Sidan hade gått ut, så inget sparades.") == 1
    assert csrf_token_from(html) != csrf_token_from(page)
    assert save_seen(member, round_id, target, html, "Skrivet länge.").status_code == 303


# --- Evidence and attachments --------------------------------------------------------------


@pytest.fixture
def reported(app):
    round_id, target = open_round(app), ion(app)
    member = client_for(app, "kramfors", "handlaggare")
    post_report(member, round_id, target)
    return member, round_id, target


def test_evidence_as_a_link(app, reported):
    member, round_id, target = reported
    response = add_evidence(
        member, round_id, target, title="Kursutvärdering", url="https://kramfors.se/rapport"
    )
    assert response.status_code == 303
    html = member.get(report_url(round_id, target)).get_data(as_text=True)
    assert "Kursutvärdering" in html and 'href="https://kramfors.se/rapport"' in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "statistics", "url": "https://bra.se/x"}, "Statistik behöver källa och datum."),
        (
            {"kind": "decision", "url": "https://kramfors.se/x"},
            "Ett beslut behöver sitt diarienummer.",
        ),
        ({"url": "javascript:alert(1)"}, "En länk måste börja med https:// eller http://."),
        ({}, "Ange en länk eller bifoga en fil."),
        ({"kind": "rumour", "url": "https://x.se"}, "Inte ett giltigt val"),
    ],
)
def test_evidence_must_say_what_it_rests_on(app, reported, fields, message):
    member, round_id, target = reported
    response = add_evidence(member, round_id, target, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert evidence_count(app) == 0


def test_typed_evidence_is_shown_with_its_source_and_registry_number(app, reported):
    member, round_id, target = reported
    add_evidence(
        member,
        round_id,
        target,
        kind="statistics",
        title="Anmälda brott",
        url="https://bra.se/s",
        source="BRÅ",
        dated_on="2012-03-01",
    )
    add_evidence(
        member,
        round_id,
        target,
        kind="decision",
        title="Beslut om kurs",
        url="https://kramfors.se/b",
        registry_number="KS 2012/17",
        dated_on="2012-02-10",
    )
    html = member.get(report_url(round_id, target)).get_data(as_text=True)
    assert "Källa: BRÅ, 1 mars 2012" in html
    assert "Diarienummer KS 2012/17" in html


def test_a_pdf_is_stored_outside_the_web_root_and_served_only_to_participants(app, reported):
    member, round_id, target = reported
    response = add_evidence(
        member, round_id, target, title="Protokoll", file=(io.BytesIO(PDF), "protokoll.pdf")
    )
    assert response.status_code == 303
    with app.app_context():
        evidence = db.session.execute(select(Evidence)).scalar_one()
        stored = Path(app.config["ATTACHMENT_DIR"]) / evidence.attachment_key
        assert stored.read_bytes() == PDF
        assert not str(stored).startswith(str(Path(app.static_folder)))
        assert evidence.content_type == "application/pdf"
    download = client_for(app, "polisen", "lasare").get(f"/evidence/{evidence.id}/file")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    with app.app_context():
        email = outside_tenant().email
    outsider = app.test_client()
    Auth(outsider).login("harnosand", email, PASSWORD)
    assert outsider.get(f"/evidence/{evidence.id}/file").status_code == 404


@pytest.mark.parametrize(
    ("content", "name", "ok"),
    [
        (PNG, "bild.png", True),
        (b"kommun;antal\nKramfors;12\n", "statistik.csv", True),
        (ELF, "rapport.pdf", False),  # a program renamed to look like a PDF
        (b"MZ" + b"\x90" * 300, "rapport.docx", False),  # a Windows program
        (b"<html><script>alert(1)</script></html>", "rapport.csv", False),
    ],
)
def test_files_are_judged_by_their_content_not_their_name(app, reported, content, name, ok):
    member, round_id, target = reported
    response = add_evidence(member, round_id, target, title="Fil", file=(io.BytesIO(content), name))
    assert response.status_code == (303 if ok else 422)
    if not ok:
        assert "Bara PDF, Office-dokument, bilder och CSV-filer kan bifogas." in response.get_data(
            as_text=True
        )
    assert evidence_count(app) == (1 if ok else 0)
    with app.app_context():
        files = list(Path(app.config["ATTACHMENT_DIR"]).glob("*"))
        assert len(files) == (1 if ok else 0)


@pytest.mark.parametrize(
    ("content", "name", "downloaded_as", "content_type"),
    [
        (b"kommun;antal\nKramfors;12\n", "poly.html", "poly.csv", "text/csv"),
        (PDF, "protokoll.PDF", "protokoll.PDF", "application/pdf"),
        (PNG, "bild.jpeg", "bild.png", "image/png"),
        (PNG, "utan-filändelse", "utan-filändelse.png", "image/png"),
        (b"kommun;antal\nKramfors;12\n", "mätning.2012.svg", "mätning.2012.csv", "text/csv"),
    ],
)
def test_a_download_is_named_by_the_type_its_content_was_found_to_be(
    app, reported, content, name, downloaded_as, content_type
):
    member, round_id, target = reported
    response = add_evidence(member, round_id, target, title="Fil", file=(io.BytesIO(content), name))
    assert response.status_code == 303
    with app.app_context():
        evidence_id = db.session.execute(select(Evidence.id)).scalar_one()
    download = member.get(f"/evidence/{evidence_id}/file")
    assert download.status_code == 200 and download.data == content
    assert download.mimetype == content_type
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    if downloaded_as.isascii():
        assert f"filename={downloaded_as}" in disposition
    else:
        assert f"filename*=UTF-8''{quote(downloaded_as)}" in disposition


def test_an_oversized_file_is_refused_with_a_message_and_nothing_stored(app, reported):
    member, round_id, target = reported
    big = PDF + b"0" * (10 * 1024 * 1024)
    response = add_evidence(
        member, round_id, target, title="Stor", file=(io.BytesIO(big), "stor.pdf")
    )
    assert response.status_code in (413, 422)
    assert "större än 10 MB" in response.get_data(as_text=True)
    assert evidence_count(app) == 0
    with app.app_context():
        folder = Path(app.config["ATTACHMENT_DIR"])
        assert not folder.exists() or not list(folder.glob("*"))


# --- Closing -------------------------------------------------------------------------------


def close(client, round_id, **fields):
    return client.post(
        f"/rounds/{round_id}/close", data={"csrf_token": token(client), "confirm": "y", **fields}
    )


def test_closing_locks_the_reports_and_keeps_a_snapshot(app, reported):
    member, round_id, target = reported
    coordinator = client_for(app, "solleftea", "samordnare")
    assert close(coordinator, round_id).status_code == 303
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(Report.id)).where(Report.round_id == round_id))
            == 62
        )
        assert (
            db.session.scalar(select(func.count(Report.id)).where(Report.reported_at.is_not(None)))
            == 1
        )
    refused = post_report(member, round_id, target, text="Ändrat i efterhand.")
    assert refused.status_code == 409
    assert "kan inte längre ändras" in refused.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.execute(
                select(Report.what_was_done).where(Report.assignment_id == target)
            ).scalar_one()
            == "Utbildning hölls i mars."
        )
    assert add_evidence(member, round_id, target, url="https://x.se").status_code == 409
    assert evidence_count(app) == 0
    html = member.get(report_url(round_id, target)).get_data(as_text=True)
    assert "Spara redovisningen" not in html and "Utbildning hölls i mars." in html


def test_closing_needs_confirmation_and_a_coordinator(app):
    round_id = open_round(app)
    coordinator = client_for(app, "kramfors", "samordnare")
    unconfirmed = coordinator.post(
        f"/rounds/{round_id}/close", data={"csrf_token": token(coordinator)}
    )
    assert unconfirmed.status_code == 422
    assert "Bekräfta att uppföljningen får stängas." in unconfirmed.get_data(as_text=True)
    assert close(client_for(app, "kramfors", "handlaggare"), round_id).status_code == 403


def test_a_report_saved_as_the_round_closes_is_refused_with_the_text_kept(app, closed_as_it_writes):
    round_id, target = open_round(app), ion(app)
    member = client_for(app, "kramfors", "handlaggare")
    page = member.get(report_url(round_id, target)).get_data(as_text=True)
    closed_as_it_writes(round_id)
    response = save_seen(member, round_id, target, page, "Skrivet just när den stängdes.")
    assert response.status_code == 409
    assert typed_text(response.get_data(as_text=True)) == "Skrivet just när den stängdes."
    with app.app_context():
        assert not db.session.scalar(
            select(func.count(Report.id)).where(Report.reported_at.is_not(None))
        )


def test_two_coordinators_closing_at_once_close_it_once(app, reported, closed_as_it_writes):
    _, round_id, _ = reported
    later = client_for(app, "polisen", "samordnare")
    later.get(f"/rounds/{round_id}")
    closed_as_it_writes(round_id)
    response = close(later, round_id)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Uppföljningen är stängd" in html
    with app.app_context():
        rnd = db.session.get(FollowUpRound, round_id)
        assert rnd.closed_by.email == "samordnare@kramfors.example"
        assert len(rnd.reports) == 62
        closings = select(func.count(AuditEvent.id)).where(AuditEvent.action == "round.closed")
        assert db.session.scalar(closings) == 1


def test_the_annual_evaluation_records_how_the_council_worked(app):
    round_id = open_round(app, RoundKind.ANNUAL_EVALUATION, "Årlig utvärdering maj 2012")
    coordinator = client_for(app, "kramfors", "samordnare")
    missing = close(coordinator, round_id)
    assert missing.status_code == 422
    assert "Beskriv hur rådet självt har fungerat i år." in missing.get_data(as_text=True)
    done = close(coordinator, round_id, council_evaluation="Rådet har mötts fyra gånger.")
    assert done.status_code == 303
    html = coordinator.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "Hur rådet självt har fungerat" in html and "Rådet har mötts fyra gånger." in html


def test_the_next_round_shows_what_changed_since_the_last(app):
    first = open_round(app)
    close(client_for(app, "kramfors", "samordnare"), first)
    with app.app_context():
        member = demo_user("kramfors", "handlaggare")
        change_status(member, assignment("kramfors", "SBN", 2, 3), "done", "Ny belysning i parken.")
    second = open_round(app, title="Uppföljning oktober 2012")
    html = client_for(app, "polisen", "lasare").get(f"/rounds/{second}").get_data(as_text=True)
    section = html[html.index("Sedan förra uppföljningen") :]
    section = section[: section.index("</section>")]
    assert "Jämfört med Uppföljning april 2012." in section
    assert "1 status har ändrats" in section
    assert "SBN Kramfors kommun" in section and "Försenad" in section and "Genomförd" in section


def test_the_round_has_its_own_thread(app):
    round_id = open_round(app)
    coordinator = client_for(app, "kramfors", "samordnare")
    response = coordinator.post(
        f"/rounds/{round_id}/comments",
        data={
            "csrf_token": token(coordinator),
            "body": "Beslut: belysningen prioriteras.",
            "visibility": "shared",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = client_for(app, "polisen", "lasare").get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "Beslut: belysningen prioriteras." in html and "Uppföljningens diskussion" in html
    # Round threads are not the plan's general discussion.
    assert "Beslut: belysningen" not in client_for(app, "polisen", "lasare").get(
        "/plans/1/discussion"
    ).get_data(as_text=True)


# --- Reminders on the start page -----------------------------------------------------------


def test_the_start_page_reminds_each_organisation_what_is_left(app):
    round_id = open_round(app)
    member = client_for(app, "kramfors", "handlaggare")
    post_report(member, round_id, ion(app))
    html = member.get("/plans/1").get_data(as_text=True)
    reminder = html[html.index('class="reminders"') :]
    reminder = reminder[: reminder.index("</section>")]
    assert "Uppföljning april 2012" in reminder
    assert "16 åtaganden för Kramfors kommun är inte redovisade" in reminder
    assert "partner" not in reminder  # a member does not report for partners
    coordinator_view = (
        client_for(app, "polisen", "samordnare").get("/plans/1").get_data(as_text=True)
    )
    assert (
        "18 åtaganden för Polisen, Sollefteå närpolisområde är inte redovisade" in coordinator_view
    )
    assert "9 åtaganden för partner är inte redovisade" in coordinator_view
    # The due date of 15 April 2012 has long passed.
    assert "försenad sedan 15 april 2012" in reminder


def test_no_reminder_when_nothing_is_open(app):
    html = client_for(app, "kramfors", "handlaggare").get("/plans/1").get_data(as_text=True)
    assert 'class="reminders"' not in html


# --- The meeting view ----------------------------------------------------------------------


def test_the_meeting_view_steps_through_the_areas(app, reported):
    _, round_id, _ = reported
    viewer = client_for(app, "polisen", "lasare")
    first = viewer.get(f"/rounds/{round_id}/meeting").get_data(as_text=True)
    assert "Område 1 av 6: Våld i offentlig miljö" in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert "Utbildning hölls i mars." in first  # Kramfors' report on activity 3
    assert "din roll ger inte rätt att skriva i den" in first  # a viewer reads only
    last = viewer.get(f"/rounds/{round_id}/meeting?area=6").get_data(as_text=True)
    assert "Område 6 av 6: Våld i nära relationer" in last
    assert 'rel="prev"' in last and 'rel="next"' not in last
    for bad in ("0", "7"):
        assert viewer.get(f"/rounds/{round_id}/meeting?area={bad}").status_code == 404


def test_the_next_area_comes_in_place_and_is_announced(app, reported):
    _, round_id, _ = reported
    viewer = client_for(app, "polisen", "lasare")
    response = viewer.get(f"/rounds/{round_id}/meeting?area=2", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert "<h1>Område 2 av 6: Tryggt centrum</h1>" in fragment
    announcer = fragment[fragment.index('<div id="announcer"') :]
    assert announcer[: announcer.index("</div>")].endswith("<p>Område 2 av 6: Tryggt centrum</p>")
    # The links work without JavaScript too: they are plain links to the full page.
    assert f'href="/rounds/{round_id}/meeting?area=3"' in fragment
    page = viewer.get(f"/rounds/{round_id}/meeting?area=2").get_data(as_text=True)
    assert '<div id="meeting-body">' in page and page.count('id="announcer"') == 1


def test_decisions_at_the_meeting_go_into_the_rounds_thread(app, reported):
    _, round_id, _ = reported
    coordinator = client_for(app, "kramfors", "samordnare")
    page = coordinator.get(f"/rounds/{round_id}/meeting?area=2").get_data(as_text=True)
    assert f'action="/rounds/{round_id}/comments"' in page
    coordinator.post(
        f"/rounds/{round_id}/comments",
        data={
            "csrf_token": token(coordinator),
            "body": "Beslut: ny belysning i stadsparken.",
            "visibility": "shared",
        },
    )
    assert "Beslut: ny belysning i stadsparken." in coordinator.get(
        f"/rounds/{round_id}/meeting?area=3"
    ).get_data(as_text=True)


NEXT_YEAR = date.today().year + 1


def open_through_form(client, **fields):
    data = {"csrf_token": token(client), "kind": "working_group", "title": "", **fields}
    return client.post("/plans/1/rounds", data=data)


def heading_after(client, response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    return re.search(r"<h1>(.*?)</h1>", html).group(1)


@pytest.mark.parametrize(
    ("kind", "due_on", "title"),
    [
        ("annual_evaluation", f"{NEXT_YEAR}-05-20", f"Årlig utvärdering maj {NEXT_YEAR}"),
        ("working_group", f"{NEXT_YEAR}-04-20", f"Uppföljning april {NEXT_YEAR}"),
        ("working_group", f"{NEXT_YEAR}-10-01", f"Uppföljning oktober {NEXT_YEAR}"),
    ],
)
def test_an_empty_title_follows_the_kind_and_the_due_date(app, kind, due_on, title):
    coordinator = client_for(app, "polisen", "samordnare")
    response = open_through_form(coordinator, kind=kind, due_on=due_on)
    assert heading_after(coordinator, response) == title


def test_the_suggestion_follows_the_date_and_kind_the_user_picks(app):
    coordinator = client_for(app, "polisen", "samordnare")
    page = coordinator.get("/plans/1/rounds").get_data(as_text=True)
    # The form asks for the hint again whenever the kind or the date changes.
    hint_request = re.search(r'<div class="round-basis"[^>]*>', page).group(0)
    assert 'hx-get="/plans/1/rounds"' in hint_request and 'hx-select="#title-hint"' in hint_request
    fragment = coordinator.get(
        f"/plans/1/rounds?kind=working_group&due_on={NEXT_YEAR}-04-20",
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "<html" not in fragment
    assert f"Lämna tomt för att få ”Uppföljning april {NEXT_YEAR}”" in fragment
    page = coordinator.get(
        f"/plans/1/rounds?kind=annual_evaluation&due_on={NEXT_YEAR}-05-20"
    ).get_data(as_text=True)
    assert f"Lämna tomt för att få ”Årlig utvärdering maj {NEXT_YEAR}”" in page


def test_an_empty_title_never_collides_with_an_existing_round(app):
    with app.app_context():
        rounds.open_round(
            demo_user("kramfors", "samordnare"),
            seed_plan(),
            RoundKind.WORKING_GROUP,
            f"Uppföljning april {NEXT_YEAR}",
            date(NEXT_YEAR, 4, 15),
        )
    coordinator = client_for(app, "polisen", "samordnare")
    response = open_through_form(coordinator, due_on=f"{NEXT_YEAR}-04-30")
    assert heading_after(coordinator, response) == f"Uppföljning april {NEXT_YEAR} (2)"
    response = open_through_form(coordinator, due_on=f"{NEXT_YEAR}-04-30")
    assert heading_after(coordinator, response) == f"Uppföljning april {NEXT_YEAR} (3)"


@pytest.fixture
def stale_title_check(app, monkeypatch):
    """Another coordinator opens "Uppföljning april <next year>" just after this request
    checked that the title was free: the first check answers as it would have then."""
    with app.app_context():
        rounds.open_round(
            demo_user("kramfors", "samordnare"),
            seed_plan(),
            RoundKind.WORKING_GROUP,
            f"Uppföljning april {NEXT_YEAR}",
            date(NEXT_YEAR, 4, 15),
        )
    checks = []
    real = rounds._title_taken

    def first_check_stale(plan, title):
        checks.append(title)
        return False if len(checks) == 1 else real(plan, title)

    monkeypatch.setattr(rounds, "_title_taken", first_check_stale)


def test_a_title_taken_meanwhile_moves_on_to_the_next_free_one(app, stale_title_check):
    coordinator = client_for(app, "polisen", "samordnare")
    response = open_through_form(coordinator, due_on=f"{NEXT_YEAR}-04-30")
    assert heading_after(coordinator, response) == f"Uppföljning april {NEXT_YEAR} (2)"


def test_a_typed_title_taken_meanwhile_is_refused_with_the_form_kept(app, stale_title_check):
    coordinator = client_for(app, "polisen", "samordnare")
    title = f"Uppföljning april {NEXT_YEAR}"
    response = open_through_form(coordinator, title=title, due_on=f"{NEXT_YEAR}-04-30")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Planen har redan en uppföljning med den rubriken." in html
    assert f'value="{title}"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count(FollowUpRound.id))) == 1


def test_a_due_date_that_has_passed_asks_for_confirmation(app):
    coordinator = client_for(app, "polisen", "samordnare")
    response = open_through_form(coordinator, title="Extra uppföljning", due_on="2012-04-15")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Datumet 15 april 2012 har redan passerat" in html
    assert "Ja, skapa med passerat datum" in html
    assert 'value="Extra uppföljning"' in html and 'value="2012-04-15"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count(FollowUpRound.id))) == 0
    response = open_through_form(
        coordinator, title="Extra uppföljning", due_on="2012-04-15", confirm_past_due="y"
    )
    assert heading_after(coordinator, response) == "Extra uppföljning"


def test_the_confirmation_is_not_offered_for_a_date_ahead(app):
    coordinator = client_for(app, "polisen", "samordnare")
    assert "Ja, skapa med passerat datum" not in coordinator.get("/plans/1/rounds").get_data(
        as_text=True
    )
    response = open_through_form(coordinator, title="", due_on="")
    assert response.status_code == 422
    assert "Ja, skapa med passerat datum" not in response.get_data(as_text=True)
