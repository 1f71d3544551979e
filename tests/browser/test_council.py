"""A coordinator records the council's May meeting with who came from each organisation, in
Chromium, and reads it back in the year's summary; axe finds nothing serious in the form or
the page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import LoginUi, axe_violations

FAST = 5_000


def test_a_coordinator_records_a_meeting_with_attendance(page: Page, login: LoginUi, live_server):
    login(page, "kramfors", "samordnare")
    page.get_by_role("link", name="Möten", exact=True).click()
    page.get_by_role("link", name="Anteckna ett möte").click()
    expect(page.get_by_role("heading", name="Anteckna ett möte")).to_be_visible(timeout=FAST)
    assert axe_violations(page) == ""
    page.get_by_label("Brottsförebyggande rådet").check()
    page.get_by_label("Datum").fill("2012-05-20")
    page.get_by_label("Rubrik").fill("Rådsmöte maj")
    page.get_by_role("checkbox", name="Var där Sollefteå kommun").check()
    page.get_by_label("Hur många som kom från Sollefteå kommun").fill("3")
    page.get_by_role("checkbox", name="Var där Kramfors kommun").check()
    page.get_by_label("Hur många som kom från Kramfors kommun").fill("2")
    page.get_by_label("Beslut", exact=True).fill(
        "Krogutbildningen fortsätter.\nNy lägesbild till hösten."
    )
    page.get_by_role("button", name="Spara mötet").click()
    expect(page).to_have_url(f"{live_server}/plans/1/meetings?year=2012#meeting-1", timeout=FAST)
    summary = page.locator("#council-summary")
    expect(summary).to_contain_text("Brottsförebyggande rådet: 1 möte")
    expect(summary).to_contain_text("1 av 1 möte")
    expect(summary).to_contain_text("Ny lägesbild till hösten.")
    expect(page.locator("#meeting-1")).to_contain_text("Sollefteå kommun (3 personer)")
    assert axe_violations(page) == ""
