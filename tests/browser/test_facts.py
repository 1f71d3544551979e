"""A member records a statistic in the browser and finds it listed, on pages axe passes."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import LoginUi, axe_violations


def test_a_member_records_a_statistic_and_sees_it_listed(
    live_server: str, login: LoginUi, page: Page
) -> None:
    login(page, "solleftea", "handlaggare")
    page.get_by_role("link", name="Faktauppgifter", exact=True).click()
    page.get_by_role("link", name="Registrera en faktauppgift").click()
    assert axe_violations(page) == ""
    page.get_by_label("Statistik", exact=True).check()
    page.get_by_label("Vad den handlar om").fill("Anmälda tillgreppsbrott, Sollefteå")
    page.get_by_label("År", exact=True).fill("2025")
    page.get_by_label("Källa", exact=True).fill("Polisens statistik")
    page.get_by_label("Period", exact=True).fill("2025")
    page.get_by_label("Värde", exact=True).fill("412")
    page.get_by_label("Enhet", exact=True).fill("anmälda brott")
    page.get_by_role("button", name="Registrera faktauppgiften").click()
    expect(page.get_by_role("heading", name="Faktauppgifter 2025")).to_be_visible()
    listed = page.locator(".evidence", has_text="Anmälda tillgreppsbrott, Sollefteå")
    expect(listed).to_contain_text("412")
    expect(listed).to_contain_text("Polisens statistik")
    assert axe_violations(page) == ""
