"""The evaluation report printed to PDF by Chromium, as leadership gets it: A4, the round's
content, and none of the page's navigation, buttons or footer."""

from __future__ import annotations

import io
import unicodedata

from flask import Flask
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import LoginUi, axe_violations
from tests.factories import (
    COUNCIL_TEXT,
    INTERNAL_ROUND_NOTE,
    KRAMFORS_TEXT,
    ROUND_TITLE,
    SHARED_DECISION,
    closed_annual_round,
)

A4_POINTS = (595.3, 841.9)  # 210 × 297 mm; Chromium rounds to 8.27 × 11.7 inches


def pdf_text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    # Line breaks fall wherever the page wraps; NFKC undoes ligatures such as "ﬀ".
    return reader, " ".join(unicodedata.normalize("NFKC", text).split())


def test_the_closed_round_prints_to_an_a4_pdf(
    app: Flask, live_server: str, login: LoginUi, page: Page
) -> None:
    with app.app_context():
        round_id = closed_annual_round()  # Kramfors and Sollefteå report; a coordinator closes
    login(page, "polisen", "samordnare")
    page.goto(f"{live_server}/rounds/{round_id}")
    page.get_by_role("link", name="Rapporten, för utskrift").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ROUND_TITLE)
    expect(page.get_by_role("button", name="Skriv ut")).to_be_visible()  # script shows it

    reader, text = pdf_text(page.pdf(format="A4"))

    assert len(reader.pages) >= 2
    size = [float(n) for n in reader.pages[0].mediabox[2:]]
    assert all(abs(got - a4) < 2 for got, a4 in zip(size, A4_POINTS, strict=True)), size
    assert ROUND_TITLE in text
    assert "1. Våld i offentlig miljö" in text and "6. Våld i nära relationer" in text
    assert KRAMFORS_TEXT in text
    assert "Hur rådet självt har fungerat" in text and COUNCIL_TEXT in text
    assert "Sammanfattning" in text and "Totalt" in text
    assert SHARED_DECISION in text and INTERNAL_ROUND_NOTE not in text
    for screen_only in ("Logga ut", "In English", "Skriv ut", "Ladda ner som Excel", "Samverkan –"):
        assert screen_only not in text, f"{screen_only!r} is on the printout"


def test_the_report_page_passes_an_axe_scan(
    app: Flask, live_server: str, login: LoginUi, page: Page
) -> None:
    with app.app_context():
        round_id = closed_annual_round()
    login(page, "kramfors", "lasare")
    page.goto(f"{live_server}/rounds/{round_id}/report")
    details = axe_violations(page)
    assert not details, f"axe-core found serious or critical violations:\n{details}"


def test_every_printed_page_names_the_report_and_its_number(
    app: Flask, live_server: str, login: LoginUi, page: Page
) -> None:
    with app.app_context():
        round_id = closed_annual_round()
    login(page, "kramfors", "lasare")
    page.goto(f"{live_server}/rounds/{round_id}/report")
    plan_title = page.locator(".print-report .eyebrow").text_content().split(" · ")[0].strip()
    running_head = f"{plan_title} · {ROUND_TITLE}"
    headings = [" ".join(h.split()) for h in page.locator("main h2, main h3").all_inner_texts()]
    unreported_lines = page.locator(".report-unreported").count()
    unreported = page.locator(".report-unreported__one").count()

    reader = PdfReader(io.BytesIO(page.pdf(format="A4")))
    lines = [
        [" ".join(unicodedata.normalize("NFKC", line).split()) for line in lines]
        for lines in (p.extract_text().splitlines() for p in reader.pages)
    ]
    pages = [" ".join(page_lines) for page_lines in lines]

    total = len(pages)
    assert total >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Sida {number} av {total}" in text, f"page {number}: {text[:200]!r}"
        # The first page opens with the title itself: a header there would say it twice.
        assert (running_head in text) == (number > 1), f"page {number}: {text[:200]!r}"
        body = [
            line
            for line in lines[number - 1]
            if line and line not in (running_head, f"Sida {number} av {total}")
        ]
        # A heading (or a part of one, broken across the pages) must not end a page.
        orphan = [h for h in headings if body[-1] in h]
        assert number == total or not orphan, f"page {number} ends with the heading {orphan}"
    # Those who did not report: one line per activity, not a block per assignment.
    assert 0 < unreported_lines < unreported
    assert " ".join(pages).count("Har inte redovisat:") == unreported_lines
