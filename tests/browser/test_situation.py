"""A coordinator writes a part of the lägesbild in place and agrees to it, in Chromium; axe
finds nothing serious in the page or the open form."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import LoginUi, axe_violations
from tests.factories import demo_user, seed_plan
from workspace.services import situation

FAST = 5_000


def test_a_coordinator_edits_a_part_and_agrees(app, page: Page, login: LoginUi, live_server):
    with app.app_context():
        plan = seed_plan()
        picture_id = situation.start(demo_user("kramfors", "samordnare"), plan, 2025).id
    login(page, "kramfors", "samordnare")
    page.get_by_role("link", name="Lägesbild", exact=True).click()
    page.get_by_role("link", name="Lägesbild 2025").click()
    expect(page).to_have_url(f"{live_server}/situation/{picture_id}")
    page.wait_for_function("() => window.htmx !== undefined")
    page.get_by_role("link", name="Redigera – Kartläggning").click()
    text = page.get_by_label("Text", exact=True)
    expect(text).to_be_visible(timeout=FAST)
    assert axe_violations(page) == ""
    text.fill("Anmälda tillgreppsbrott ligger kvar på samma nivå som året innan.")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("#section-mapping")).to_contain_text(
        "Anmälda tillgreppsbrott ligger kvar", timeout=FAST
    )
    page.get_by_role("button", name="Vi står bakom lägesbilden").click()
    expect(page.locator("#agreement")).to_contain_text("står bakom version 2", timeout=FAST)
    assert axe_violations(page) == ""
