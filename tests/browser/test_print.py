"""A member prints the plan overview and an activity page: every assignment's status is on
paper, the ones the member may change as well as the others."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page

from tests.browser.conftest import LoginUi
from tests.browser.test_report_pdf import pdf_text
from tests.factories import assignment

# Who is responsible and the status as the screen shows them, in the page's order; the
# status is a button for the rows the reader may change, a plain chip for the others.
ROWS_SCRIPT = """(rows, whoSelector) => rows.map(row => ({
    who: [...row.querySelectorAll(whoSelector)]
        .map(e => e.textContent.replace(/\\s+/g, " ").trim()),
    status: row.querySelector(".status-cell .chip").textContent.trim(),
    editable: row.querySelector(".status-cell button") !== null,
}))"""


def screen_rows(page: Page, row_selector: str, who_selector: str) -> list[dict]:
    return page.locator(row_selector).evaluate_all(ROWS_SCRIPT, who_selector)


# Between who and the status: the status icon, or the vacancy badge on the overview.
BETWEEN = r"\W+(?:vakant(?: – ingen har den här funktionen)?\W+)?"


def assert_every_status_printed(text: str, rows: list[dict]) -> None:
    """Each row's responsible function and organisation, then its status, in page order."""
    position = 0
    for row in rows:
        parts = [*row["who"], row["status"]]
        pattern = BETWEEN.join(re.escape(part) for part in parts)
        found = re.compile(pattern).search(text, position)
        assert found, f"{' '.join(parts)!r} is not on the printout after {text[position:][:300]!r}"
        position = found.end()


def test_the_printed_overview_has_every_status(live_server: str, login: LoginUi, page: Page):
    login(page, "kramfors", "handlaggare")  # a member: changes the ION and BSN rows only
    rows = screen_rows(page, "li.assignment", ".assignment__function, .assignment__org")
    assert len(rows) > 50
    assert 0 < sum(row["editable"] for row in rows) < len(rows)

    _, text = pdf_text(page.pdf(format="A4"))

    assert_every_status_printed(text, rows)
    assert "Filtrera" not in text  # the page's forms and buttons stay off the paper


def test_the_printed_activity_page_has_every_status(
    app: Flask, live_server: str, login: LoginUi, page: Page
):
    with app.app_context():
        activity_id = assignment("kramfors", "ION", 1, 3).activity_id  # ION in both towns
    login(page, "kramfors", "handlaggare")
    page.goto(f"{live_server}/activities/{activity_id}")
    rows = screen_rows(page, "#activity-body tbody tr", "th, td[data-label=Organisation]")
    assert sorted(row["editable"] for row in rows) == [False, True]

    _, text = pdf_text(page.pdf(format="A4"))

    assert_every_status_printed(text, rows)
    assert "Publicera" not in text
