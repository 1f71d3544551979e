"""The year's cycle in Chromium: a coordinator follows it to next year's lägesbild, starts
it and finds last year's problems carried over; the page fits 320 px and axe finds nothing
serious."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import LoginUi, axe_violations
from tests.factories import seed_plan
from workspace.services import demo, situation

FAST = 5_000


def test_the_cycle_leads_to_next_years_picture_with_the_problems_carried_over(
    app, page: Page, login: LoginUi, live_server
):
    with app.app_context():
        demo.load_demo_history()
        (earlier,) = situation.pictures_of(seed_plan())
        year, titles = earlier.year, [p.title for p in earlier.problems]
    login(page, "kramfors", "samordnare")
    page.get_by_role("link", name="Årshjulet").click()
    expect(page.get_by_role("heading", name="Årshjulet", level=1)).to_be_visible()
    assert axe_violations(page) == ""
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    next_year = page.locator(f"#year-{year + 1}-situation")
    expect(next_year).to_contain_text("Inte påbörjad")
    next_year.get_by_role("link", name="Lägesbild").click()
    expect(page.get_by_text(f"Problemen från lägesbild {year} förs över")).to_be_visible()
    page.get_by_label("År").fill(str(year + 1))
    page.get_by_role("button", name="Påbörja").click()
    expect(page.get_by_role("heading", name=f"Lägesbild {year + 1}", level=1)).to_be_visible(
        timeout=FAST
    )
    problems = page.locator("#problems")
    for title in titles:
        expect(problems).to_contain_text(title)
    expect(problems.get_by_text(f"Förd över från lägesbild {year}").first).to_be_visible()
    page.get_by_role("link", name="Handlingsplan för samverkan", exact=False).first.click()
    page.get_by_role("link", name="Årshjulet").click()
    expect(page.locator(f"#year-{year + 1}-situation")).to_contain_text("Utkast, 0 av 3")
    expect(page.locator(f"#year-{year}-evaluation")).to_be_visible()
