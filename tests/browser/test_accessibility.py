"""Accessibility in a real Chromium: axe-core finds nothing serious on any page type (the open
inline editor and forms showing their errors included), the keyboard alone carries a whole
working session, focus is always visible, and the pages reflow at 320 px and at 200 % zoom.

axe-core comes from the npm registry: `axe-playwright-python` ships the `axe.min.js` of the
npm package `axe-core` 4.12.1 (the same file as `npm pack axe-core@4.12.1`, plus a final
newline), and `Axe().run` evaluates it in the page, which the Content-Security-Policy allows.

One app with a follow-up round, an indicator and a reported problem serves the whole module;
each role logs in once and its context is reused for every page it scans.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import login_through_ui, serve
from tests.conftest import _app_config
from tests.factories import assignment, closed_annual_round, demo_user, seed_plan
from workspace import create_app
from workspace.extensions import db
from workspace.models import Period, RoundKind
from workspace.services import accessibility, indicators, rounds

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 320, "height": 640}
ZOOMED = {"width": 640, "height": 400}  # 1280 × 800 at 200 % zoom


@dataclass
class Site:
    base_url: str
    ids: dict[str, int]
    contexts: dict[str, BrowserContext] = field(default_factory=dict)


def build_data() -> dict[str, int]:
    """A closed round with reports and comments, an open round to report in, an indicator
    with values, and one reported accessibility problem. Inside an app context."""
    closed = closed_annual_round()
    coordinator = demo_user("kramfors", "samordnare")
    member = demo_user("kramfors", "handlaggare")
    plan = seed_plan()
    open_round = rounds.open_round(
        coordinator, plan, RoundKind.WORKING_GROUP, None, date(2030, 4, 30)
    )
    to_report = assignment("kramfors", "ION", 1, 3)
    measured = assignment("kramfors", "ION", 1, 3)
    indicator = indicators.add_indicator(
        coordinator,
        measured.activity,
        title="Utbildade krögare",
        unit="personer",
        target=10,
        period=Period.YEAR,
    )
    for day, value in ((date(2011, 6, 1), 6), (date(2012, 3, 1), 11)):
        indicators.log_measurement(
            member, indicator, value=value, measured_on=day, source="Kursregister"
        )
    accessibility.report_problem("Diagrammet går inte att läsa.", "/plans/1", "anna@example.se")
    return {
        "plan": plan.id,
        "closed_round": closed,
        "open_round": open_round.id,
        "report_assignment": to_report.id,
        "activity": measured.activity_id,
        "editable": to_report.id,
        "member": member.id,
    }


@pytest.fixture(scope="module")
def site(templates, browser: Browser) -> Iterator[Site]:
    uri = templates.fresh("demo")
    with tempfile.TemporaryDirectory(prefix="samverkan-files-") as files:
        app: Flask = create_app(_app_config(uri, ATTACHMENT_DIR=files))
        with app.app_context():
            ids = build_data()
        with serve(app) as base_url:
            found = Site(base_url, ids)
            yield found
            for context in found.contexts.values():
                context.close()
        with app.app_context():
            db.engine.dispose()
    templates.drop(uri)


def context_for(site: Site, browser: Browser, who: str) -> BrowserContext:
    """One logged-in context per user ("kramfors/admin") or "anonymous", made once."""
    if who not in site.contexts:
        context = browser.new_context(locale="sv-SE", viewport=DESKTOP)
        context.set_default_timeout(10_000)
        if who != "anonymous":
            organisation, local_part = who.split("/")
            page = context.new_page()
            login_through_ui(page, site.base_url, organisation, local_part)
            page.close()
        site.contexts[who] = context
    return site.contexts[who]


def settle(page: Page) -> None:
    """htmx is loaded with `defer`; its requests are done when no element is busy."""
    page.wait_for_function("() => window.htmx !== undefined")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def open_editor(page: Page, assignment_id: int) -> None:
    page.locator(f"#assignment-{assignment_id}-chip").click()
    expect(page.get_by_label("Ny status", exact=True)).to_be_focused()


def submit_empty_report(page: Page) -> None:
    page.get_by_role("button", name="Skicka rapporten", exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()


# (id, who, path, then) — `then` leaves the page in the state to scan.
Step = Callable[[Page, dict[str, int]], None]
PAGES: list[tuple[str, str, str, Step | None]] = [
    ("login", "anonymous", "/login", None),
    ("statement", "anonymous", "/accessibility", None),
    ("statement-errors", "anonymous", "/accessibility", lambda p, ids: submit_empty_report(p)),
    ("plan-list", "kramfors/admin", "/plans", None),
    ("start", "kramfors/admin", "/", None),
    (
        "overview-filtered",
        "kramfors/admin",
        "/plans/{plan}?organisation=kramfors&status=ongoing",
        None,
    ),
    (
        "inline-editor",
        "kramfors/admin",
        "/plans/{plan}",
        lambda p, ids: open_editor(p, ids["editable"]),
    ),
    ("activity-and-indicators", "kramfors/admin", "/activities/{activity}", None),
    ("discussion", "kramfors/admin", "/plans/{plan}/discussion", None),
    ("dashboard", "kramfors/admin", "/plans/{plan}/dashboard", None),
    ("round-list", "kramfors/admin", "/plans/{plan}/rounds", None),
    ("round-open", "kramfors/admin", "/rounds/{open_round}", None),
    ("round-closed", "kramfors/admin", "/rounds/{closed_round}", None),
    ("meeting", "kramfors/admin", "/rounds/{closed_round}/meeting", None),
    ("report-form", "kramfors/admin", "/rounds/{open_round}/reports/{report_assignment}", None),
    ("printable-report", "kramfors/admin", "/rounds/{closed_round}/report", None),
    ("content-editing", "kramfors/admin", "/plans/{plan}/content", None),
    ("edit-activity", "kramfors/admin", "/activities/{activity}/edit", None),
    ("copy-plan", "kramfors/admin", "/plans/{plan}/copy", None),
    ("admin-users-vacancies", "kramfors/admin", "/admin/users", None),
    ("admin-new-user", "kramfors/admin", "/admin/users/new", None),
    ("admin-edit-user", "kramfors/admin", "/admin/users/{member}", None),
    ("admin-deactivate-vacancy", "kramfors/admin", "/admin/users/{member}/deactivate", None),
    ("admin-audit-log", "kramfors/admin", "/admin/audit", None),
    ("admin-accessibility-reports", "kramfors/admin", "/admin/accessibility-reports", None),
    ("account", "kramfors/admin", "/account", None),
    ("not-found", "kramfors/admin", "/plans/9999", None),
    ("forbidden", "kramfors/lasare", "/admin/users", None),
]


def serious_violations(page: Page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']}\n    "
        + "\n    ".join(" ".join(node["target"]) for node in v["nodes"][:8])
        for v in violations
        if v.get("impact") in ("serious", "critical")
    ]


@pytest.mark.parametrize(("name", "who", "path", "then"), PAGES, ids=[p[0] for p in PAGES])
def test_no_serious_axe_violations(
    site: Site, browser: Browser, name: str, who: str, path: str, then: Step | None
) -> None:
    page = context_for(site, browser, who).new_page()
    try:
        response = page.goto(site.base_url + path.format(**site.ids))
        assert response is not None
        expected = {"not-found": 404, "forbidden": 403}.get(name, 200)
        assert response.status == expected, f"{name}: {path} answered {response.status}"
        settle(page)
        if then is not None:
            then(page, site.ids)
        # Folded sections (forms to add a value, an indicator…) are scanned open too.
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        found = serious_violations(page)
        assert not found, f"axe-core: serious or critical on {name} ({page.url}):\n" + "\n".join(
            found
        )
    finally:
        page.close()
