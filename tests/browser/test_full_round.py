"""A whole follow-up cycle in a real Chromium, the way the plan's people run it: only links,
buttons and form fields by their Swedish names, each person in a browser context of their own.

April: the Kramfors coordinator opens the working group's follow-up; a Kramfors member reports
with statistics and a decision (an attached PDF); a police member reports; the coordinator reads
the progress per organisation, steps through the meeting view with the keyboard, records a
decision in the round's thread and closes the round, after which nothing can be reported.

May: the coordinator opens the annual evaluation, is stopped from closing it without the
council's own evaluation, closes it with one, prints the report to PDF with Chromium and
downloads the Excel file; both are read back and checked.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import BrowserContext, Locator, Page, expect
from pypdf import PdfReader

from tests.browser.conftest import LoginUi, login_through_ui
from tests.factories import SEED_AREAS

APRIL = "Uppföljning april 2012"
MAY = "Årlig utvärdering maj 2012"
KRAMFORS = "Kramfors kommun"
POLICE = "Polisen, Sollefteå närpolisområde"

KRAMFORS_DONE = "Tolv krogar har fått utbildning i ansvarsfull alkoholservering under mars."
POLICE_DONE = "Gemensamma krogkontroller med alkoholhandläggarna varannan fredag."
STATISTICS = "Krogkontroller första kvartalet"
DECISION = "Beslut om fortsatt krogutbildning"
REGISTRY_NUMBER = "KS 2012/117"
MEETING_DECISION = "Arbetsgruppen beslutar att krogkontrollerna fortsätter i maj."
COUNCIL_TEXT = "Rådet har mötts fyra gånger i år och polisens närvaro har varit god."
MAY_DONE = "Föräldravandringar varje helg under läsåret."

# A file whose bytes say PDF: enough for the attachment check, which judges by content.
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF"

OpenAs = Callable[[str, str], Page]


@pytest.fixture
def open_as(live_server: str, new_context: Callable[..., BrowserContext]) -> OpenAs:
    """`open_as("polisen", "handlaggare")`: another person, in a browser context of their own
    (sv-SE, like the default one), logged in through the form and on the plan overview."""

    def _open(organisation: str, who: str) -> Page:
        context = new_context()  # the session's browser_context_args: sv-SE
        context.set_default_timeout(10_000)
        page = context.new_page()
        login_through_ui(page, live_server, organisation, who)
        return page

    return _open


# --- what people do ------------------------------------------------------------------------------


def open_round(page: Page, kind: str, title: str, due: str) -> None:
    """From the plan overview: "Uppföljningar", then the form to open a round."""
    page.get_by_role("link", name="Uppföljningar", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uppföljningar")
    form = page.get_by_role("region", name="Öppna en ny uppföljning")
    form.get_by_role("radio", name=kind, exact=True).check()
    form.get_by_label("Rubrik", exact=True).fill(title)
    form.get_by_label("Redovisas senast", exact=True).fill(due)
    form.get_by_role("button", name="Öppna uppföljningen", exact=True).click()
    # The demo plan's rounds lie in 2012: the form asks before it opens an overdue round.
    form = page.get_by_role("region", name="Öppna en ny uppföljning")
    form.get_by_role("checkbox", name="Ja, skapa med passerat datum", exact=True).check()
    form.get_by_role("button", name="Öppna uppföljningen", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("Uppföljningen är öppen.", exact=True)).to_be_visible()


def progress(page: Page, organisation: str) -> Locator:
    return page.locator(".progress-list li").filter(has_text=f"{organisation}:")


def write_report(page: Page, text: str) -> tuple[str, str]:
    """On an assignment's report page: write what was done and save. Returns the activity
    and who is responsible ("Alkoholhandläggare Kramfors kommun")."""
    activity = page.get_by_role("heading", level=1).inner_text()
    responsible = page.get_by_text("Ansvarig:").inner_text().removeprefix("Ansvarig:").strip()
    page.get_by_role("textbox", name="Vad som har gjorts", exact=True).fill(text)
    page.get_by_role("button", name="Spara redovisningen", exact=True).click()
    expect(page.get_by_text("Redovisningen är sparad.", exact=True)).to_be_visible()
    expect(page.get_by_role("textbox", name="Vad som har gjorts", exact=True)).to_have_value(text)
    return activity, responsible


def add_evidence(page: Page, kind: str, fields: dict[str, str], file: str | None = None) -> None:
    """The report page's "Lägg till underlag" form: a kind, labelled fields, maybe a file."""
    page.get_by_role("radio", name=kind, exact=True).check()
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    if file:
        page.get_by_label("Fil", exact=True).set_input_files(file)
    page.get_by_role("button", name="Lägg till underlaget", exact=True).click()
    expect(page.get_by_text("Underlaget är tillagt.", exact=True)).to_be_visible()


def close_round(page: Page, council_evaluation: str | None = None) -> None:
    close = page.get_by_role("region", name="Stäng uppföljningen")
    if council_evaluation is not None:
        close.get_by_label("Hur rådet självt har fungerat", exact=True).fill(council_evaluation)
    close.get_by_role("checkbox", name=re.compile("^Jag förstår att redovisningarna låses")).check()
    close.get_by_role("button", name="Stäng uppföljningen", exact=True).click()


def pdf_text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    # Line breaks fall wherever the page wraps; NFKC undoes ligatures such as "ﬀ".
    return reader, " ".join(unicodedata.normalize("NFKC", text).split())


# --- the April follow-up -------------------------------------------------------------------------


def test_april_follow_up_opened_reported_by_two_organisations_and_closed(
    live_server: str, login: LoginUi, page: Page, open_as: OpenAs, tmp_path: Path
) -> None:
    coordinator = page
    login(coordinator, "kramfors", "samordnare")
    open_round(coordinator, "Arbetsgruppens uppföljning", APRIL, "2012-04-30")
    round_url = coordinator.url
    expect(coordinator.get_by_text("Redovisas senast 30 april 2012.")).to_be_visible()
    expect(coordinator.locator(".progress-total")).to_have_text("0 av 62 redovisade")
    expect(progress(coordinator, KRAMFORS)).to_have_text(f"{KRAMFORS}: 0 av 17 redovisade")
    expect(coordinator.get_by_text("Det här är planens första uppföljning")).to_be_visible()

    # A Kramfors member finds what their organisation still has to report, and reports it.
    member = open_as("kramfors", "handlaggare")
    member.get_by_role("link", name="Uppföljningar", exact=True).click()
    member.get_by_role("link", name=APRIL, exact=True).click()
    expect(member.get_by_role("heading", level=1)).to_have_text(APRIL)
    member.get_by_role("link", name="Visa bara det min organisation inte har redovisat").click()
    expect(member).to_have_url(re.compile(r"show=mine-unreported"))
    expect(
        member.get_by_text(f"Visar det {KRAMFORS} inte har redovisat ännu.", exact=True)
    ).to_be_visible()
    report_links = member.get_by_role("link", name=re.compile(r"^Redovisa – "))
    expect(report_links).to_have_count(17)
    for name in ("Läs", "Ändra redovisningen"):  # other organisations' and done ones are hidden
        expect(member.get_by_role("link", name=re.compile(f"^{name} – "))).to_have_count(0)
    report_links.first.click()
    expect(member.get_by_text("Ansvarig:")).to_contain_text(KRAMFORS)
    kramfors_activity, kramfors_responsible = write_report(member, KRAMFORS_DONE)
    member_report_url = member.url

    add_evidence(
        member,
        "Statistik",
        {
            "Rubrik": STATISTICS,
            "Länk": "https://www.bra.se/statistik/kramfors-2012q1.html",
            "Källa (statistik)": "Polisens ärendestatistik",
            "Datum (statistik eller beslut)": "2012-03-31",
        },
    )
    pdf = tmp_path / "beslut-krogutbildning.pdf"
    pdf.write_bytes(MINIMAL_PDF)
    add_evidence(
        member,
        "Beslut",
        {
            "Rubrik": DECISION,
            "Diarienummer (beslut)": REGISTRY_NUMBER,
            "Datum (statistik eller beslut)": "2012-04-02",
        },
        file=str(pdf),
    )
    evidence = member.get_by_role("region", name="Underlag").locator("li.evidence")
    expect(evidence).to_have_count(2)
    expect(evidence.nth(0)).to_contain_text(STATISTICS)
    expect(evidence.nth(0)).to_contain_text("Källa: Polisens ärendestatistik, 31 mars 2012")
    expect(evidence.nth(1)).to_contain_text(DECISION)
    expect(evidence.nth(1)).to_contain_text(f"Diarienummer {REGISTRY_NUMBER}, 2 april 2012")
    # The attached file comes back byte for byte, as a download.
    with member.expect_download() as attached:
        member.get_by_role("link", name="Ladda ned beslut-krogutbildning.pdf").click()
    assert attached.value.suggested_filename == "beslut-krogutbildning.pdf"
    assert attached.value.path().read_bytes() == MINIMAL_PDF

    # The reminder on the police member's start page leads to what the police have left.
    police = open_as("polisen", "handlaggare")
    reminders = police.get_by_role("region", name="Att redovisa")
    expect(reminders).to_contain_text(f"18 åtaganden för {POLICE} är inte redovisade")
    reminders.get_by_role("link", name=APRIL, exact=True).click()
    expect(police.get_by_text(f"Visar det {POLICE} inte har redovisat ännu.")).to_be_visible()
    police.get_by_role("link", name=re.compile(rf"^Redovisa – .*{POLICE}")).first.click()
    expect(police.get_by_text("Ansvarig:")).to_contain_text(POLICE)
    write_report(police, POLICE_DONE)

    # Back with the coordinator: the progress per organisation and who reported what.
    coordinator.reload()
    expect(coordinator.locator(".progress-total")).to_have_text("2 av 62 redovisade")
    expect(progress(coordinator, KRAMFORS)).to_have_text(f"{KRAMFORS}: 1 av 17 redovisade")
    expect(progress(coordinator, POLICE)).to_have_text(f"{POLICE}: 1 av 18 redovisade")
    kramfors_row = (
        coordinator.get_by_role("row")
        .filter(has_text=kramfors_activity)
        .filter(has=coordinator.get_by_role("rowheader", name=kramfors_responsible, exact=True))
    )
    expect(kramfors_row).to_contain_text("Redovisad")
    expect(kramfors_row).to_contain_text("av Lina Forsberg")
    expect(kramfors_row).to_contain_text("2 underlag")

    # The meeting view, one area at a time, stepped with the keyboard.
    coordinator.get_by_role("link", name="Öppna mötesvyn").click()
    heading = coordinator.get_by_role("heading", level=1)
    expect(heading).to_have_text(f"Område 1 av 6: {SEED_AREAS[0]}")
    expect(coordinator.get_by_text(KRAMFORS_DONE)).to_be_visible()
    evidence_line = f"Underlag: Statistik – {STATISTICS}; Beslut – {DECISION}"
    expect(coordinator.get_by_text(evidence_line)).to_be_visible()
    coordinator.keyboard.press("ArrowRight")
    expect(heading).to_have_text(f"Område 2 av 6: {SEED_AREAS[1]}")
    expect(coordinator).to_have_url(re.compile(r"/meeting\?area=2$"))
    coordinator.keyboard.press("ArrowLeft")
    expect(heading).to_have_text(f"Område 1 av 6: {SEED_AREAS[0]}")
    coordinator.keyboard.press("ArrowRight")
    expect(heading).to_have_text(f"Område 2 av 6: {SEED_AREAS[1]}")

    # The working group's decision goes into the round's thread, from the meeting view.
    coordinator.wait_for_function("() => window.htmx !== undefined")
    coordinator.get_by_label("Kommentar", exact=True).fill(MEETING_DECISION)
    coordinator.get_by_role("button", name="Publicera", exact=True).click()
    thread = coordinator.locator("#timeline-items > li")
    expect(thread).to_have_count(1)
    expect(thread.first).to_contain_text(MEETING_DECISION)
    expect(coordinator.get_by_label("Kommentar", exact=True)).to_have_value("")

    # The round page has the decision in its discussion; the coordinator closes the round.
    coordinator.get_by_role("link", name=APRIL, exact=True).click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(APRIL)
    discussion = coordinator.get_by_role("region", name="Uppföljningens diskussion")
    expect(discussion).to_contain_text(MEETING_DECISION)
    close_round(coordinator)
    expect(coordinator.get_by_text("Uppföljningen är stängd.", exact=True)).to_be_visible()
    expect(coordinator.get_by_text("Stängd", exact=True)).to_be_visible()
    expect(coordinator.get_by_role("button", name="Stäng uppföljningen")).to_have_count(0)
    expect(coordinator.locator(".progress-total")).to_have_text("2 av 62 redovisade")

    # The member's report is now read-only: the text stays, the forms are gone.
    member.goto(member_report_url)
    expect(member.get_by_text(KRAMFORS_DONE)).to_be_visible()
    expect(member.get_by_role("button", name="Spara redovisningen")).to_have_count(0)
    expect(member.get_by_role("button", name="Lägg till underlaget")).to_have_count(0)
    expect(member.get_by_role("button", name=re.compile("^Ta bort"))).to_have_count(0)
    member.goto(round_url)
    expect(member.get_by_role("link", name=re.compile(r"^Redovisa – "))).to_have_count(0)
    own_done = member.get_by_role("link", name=f"Läs – {kramfors_responsible}, {kramfors_activity}")
    expect(own_done).to_be_visible()

    # "Läget i siffror" now has the closed round as a row of its own.
    breadcrumbs = coordinator.get_by_role("navigation", name="Du är här")
    breadcrumbs.get_by_role("link").first.click()  # the plan overview
    coordinator.get_by_role("link", name="Läget i siffror", exact=True).click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Läget i siffror")
    across_rounds = coordinator.get_by_role("table", name="Status över uppföljningarna")
    expect(across_rounds.get_by_role("rowheader", name=APRIL, exact=True)).to_be_visible()
    expect(across_rounds.get_by_role("rowheader", name="Nu", exact=True)).to_be_visible()

    # Nothing of a merge's conflict markers reaches the round page (templates/rounds/show.html).
    coordinator.goto(round_url)
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(APRIL)
    shown = coordinator.locator("main").inner_text().splitlines()
    markers = [line for line in shown if re.match(r"\s*(<{7}|={7}|>{7})", line)]
    assert not markers, f"the round page shows git conflict markers: {markers}"


# --- the May evaluation --------------------------------------------------------------------------


def test_may_evaluation_closed_with_the_councils_own_evaluation_printed_and_exported(
    live_server: str, login: LoginUi, page: Page, open_as: OpenAs, tmp_path: Path
) -> None:
    coordinator = page
    login(coordinator, "kramfors", "samordnare")
    open_round(coordinator, "Årlig utvärdering", MAY, "2012-05-31")
    round_url = coordinator.url

    # What the leadership gets is built from what an organisation reported.
    member = open_as("kramfors", "handlaggare")
    member.goto(round_url)
    member.get_by_role("link", name="Visa bara det min organisation inte har redovisat").click()
    member.get_by_role("link", name=re.compile(r"^Redovisa – ")).first.click()
    may_activity, _ = write_report(member, MAY_DONE)

    # Closing without the council's own evaluation is refused, and says why.
    coordinator.reload()
    close_round(coordinator)
    close = coordinator.get_by_role("region", name="Stäng uppföljningen")
    error = "Beskriv hur rådet självt har fungerat i år."
    expect(close.locator(".field__error")).to_have_text(error)
    expect(close.get_by_role("alert")).to_contain_text(error)
    expect(close.get_by_label("Hur rådet självt har fungerat", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(coordinator.get_by_text("Öppen", exact=True).first).to_be_visible()

    close_round(coordinator, COUNCIL_TEXT)
    expect(coordinator.get_by_text("Uppföljningen är stängd.", exact=True)).to_be_visible()
    council = coordinator.get_by_role("region", name="Hur rådet självt har fungerat")
    expect(council).to_contain_text(COUNCIL_TEXT)

    # The printable report, printed by Chromium to an A4 PDF.
    exports = coordinator.get_by_role("region", name="Rapport och export")
    exports.get_by_role("link", name="Rapporten, för utskrift", exact=True).click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(MAY)
    expect(coordinator.get_by_role("button", name="Skriv ut")).to_be_visible()
    reader, text = pdf_text(coordinator.pdf(format="A4"))
    assert len(reader.pages) >= 2
    assert MAY in text
    for number, area in enumerate(SEED_AREAS, start=1):
        assert f"{number}. {area}" in text, f"area {number} is missing from the printout"
    assert "Hur rådet självt har fungerat" in text and COUNCIL_TEXT in text
    assert MAY_DONE in text
    assert "Logga ut" not in text

    # The Excel file, downloaded through its link and read back.
    coordinator.goto(round_url)
    with coordinator.expect_download() as downloaded:
        exports.get_by_role("link", name="Excel (.xlsx)", exact=True).click()
    assert downloaded.value.suggested_filename == f"{MAY}.xlsx"
    saved = tmp_path / downloaded.value.suggested_filename
    downloaded.value.save_as(saved)
    workbook = load_workbook(saved)
    summary = workbook.worksheets[0]
    assert summary.title == "Sammanfattning"
    facts = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row and row[0]}
    assert facts["Uppföljning"] == MAY, facts
    assert facts["Hur rådet självt har fungerat"] == COUNCIL_TEXT
    for area in SEED_AREAS:
        assert area in workbook.sheetnames, f"no sheet for {area}: {workbook.sheetnames}"
    cells = [
        value
        for sheet in workbook.worksheets[1:]
        for row in sheet.iter_rows(values_only=True)
        for value in row
    ]
    assert MAY_DONE in cells and may_activity in cells


def test_the_title_hint_follows_the_kind_and_date_the_coordinator_picks(
    page: Page, login: LoginUi, live_server: str
) -> None:
    """No title typed: the hint says which title the round will get, and changes with the
    kind and the due date without a reload."""
    login(page, "kramfors", "samordnare")
    page.goto(f"{live_server}/plans/1/rounds")
    page.wait_for_function("() => window.htmx !== undefined")
    form = page.get_by_role("region", name="Öppna en ny uppföljning")
    hint = form.locator("#title-hint")
    form.get_by_label("Redovisas senast", exact=True).fill("2031-04-20")
    expect(hint).to_have_text("Lämna tomt för att få ”Uppföljning april 2031”.")
    form.get_by_role("radio", name="Årlig utvärdering", exact=True).check()
    expect(hint).to_have_text("Lämna tomt för att få ”Årlig utvärdering april 2031”.")
    form.get_by_label("Redovisas senast", exact=True).fill("2031-05-18")
    expect(hint).to_have_text("Lämna tomt för att få ”Årlig utvärdering maj 2031”.")
    form.get_by_role("button", name="Öppna uppföljningen", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Årlig utvärdering maj 2031")
