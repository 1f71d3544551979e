"""The coordinators of the three organisations prepare and agree to the plan's public page in
Chromium; then a browser that never logged in reads it, at 320 px, and axe finds nothing
serious there."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LoginUi, axe_violations
from tests.factories import demo_user, seed_plan
from tests.web.test_publication import ORGANISATIONS, agree_all, prepared
from workspace.models import EvaluationPart
from workspace.services import evaluation

FAST = 5_000
INTRO = "Här ser du vad kommunerna och polisen gör mot brott, och hur långt vi har kommit."


def _agree(page: Page, login: LoginUi, organisation: str) -> None:
    login(page, organisation, "samordnare")
    page.get_by_role("link", name="Offentlig sida", exact=True).click()
    page.get_by_role("button", name="Godkänn publicering av version 1").click()
    expect(page.locator(".flashes")).to_contain_text("godkänner", timeout=FAST)


def test_every_coordinator_agrees_then_anyone_reads_the_page(
    page: Page, browser: Browser, login: LoginUi, live_server: str
):
    login(page, "kramfors", "samordnare")
    page.get_by_role("link", name="Offentlig sida", exact=True).click()
    expect(page.locator("#public")).to_contain_text("Inget är publicerat")
    assert axe_violations(page) == ""
    page.get_by_label("Inledning").fill(INTRO)
    page.get_by_role("button", name="Förbered en ny version").click()
    expect(page.locator("#preview")).to_contain_text(INTRO, timeout=FAST)
    page.get_by_role("button", name="Godkänn publicering av version 1").click()
    expect(page.locator("#pending")).to_contain_text("Kramfors kommun: godkänt", timeout=FAST)

    for organisation in ("solleftea", "polisen"):
        colleague = browser.new_context(locale="sv-SE")
        _agree(colleague.new_page(), login, organisation)
        colleague.close()

    page.reload()
    expect(page.locator("#public")).to_contain_text("Version 1, publicerad")

    outsider = browser.new_context(locale="sv-SE", viewport={"width": 320, "height": 640})
    reader = outsider.new_page()
    reader.goto(f"{live_server}/offentlig/1")
    expect(reader.get_by_role("heading", level=1)).to_be_visible()
    expect(reader.locator("main")).to_contain_text(INTRO)
    expect(reader.get_by_role("heading", name="Våld i offentlig miljö")).to_be_visible()
    assert reader.get_by_role("button").count() == 0  # nothing to log in to or out of
    # Fits 320 px: nothing makes the reader scroll sideways.
    assert reader.evaluate("document.documentElement.scrollWidth") <= 320
    assert axe_violations(reader) == ""
    outsider.close()


def test_the_introduction_and_the_evaluation_keep_their_lines(
    browser: Browser, app: Flask, live_server: str
):
    """The drafted evaluation lists one activity, fact or problem a line, and a coordinator may
    write the introduction so; run together into one paragraph, neither can be read."""
    with app.app_context():
        plan = seed_plan()
        coordinator = demo_user("kramfors", "samordnare")
        annual = evaluation.start(coordinator, plan, 2012)
        summary = next(s for s in annual.sections if s.part is EvaluationPart.SUMMARY)
        done = "Det här blev gjort:\nKrogkontroller\nBelysning i centrum"
        evaluation.edit_section(coordinator, summary, done, summary.version)
        for org in ORGANISATIONS:
            evaluation.agree(demo_user(org, "samordnare"), annual, annual.content_version)
        evaluation.fix(coordinator, annual, annual.content_version)
    agree_all(app, prepared(app, "Vi arbetar med:\nKrogarna\nCentrum"))

    reader = browser.new_context(locale="sv-SE").new_page()
    reader.goto(f"{live_server}/offentlig/1")
    intro = reader.get_by_text("Vi arbetar med:").inner_text().splitlines()
    assert intro == ["Vi arbetar med:", "Krogarna", "Centrum"]
    section = reader.locator("section", has=reader.get_by_role("heading", name="Så gick året 2012"))
    lines = section.get_by_text("Det här blev gjort:").inner_text().splitlines()
    assert lines == ["Det här blev gjort:", "Krogkontroller", "Belysning i centrum"]
    reader.context.close()
