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

import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import axe_violations, login_through_ui, serve
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
        found = axe_violations(page)
        assert not found, f"axe-core: serious or critical on {name} ({page.url}):\n{found}"
    finally:
        page.close()


# --- the keyboard alone ------------------------------------------------------------------------

ACTIVE = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return {tag: "body"};
  return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute("name") || "",
          type: e.type || "", value: e.value || "", checked: !!e.checked,
          text: (e.innerText || "").trim().slice(0, 60),
          inActivityTitle: !!e.closest(".activity__title"),
          inCommentForm: !!e.closest("form") && !!e.closest("form").querySelector("#comment-body")};
}"""


def tab_until(page: Page, wanted: Callable[[dict], bool], limit: int = 80, back: bool = False):
    """Press Tab (Shift+Tab with `back`) until the focused element is `wanted`."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        active = page.evaluate(ACTIVE)
        if wanted(active):
            return active
        seen.append(f"{active['tag']}#{active.get('id', '')}:{active.get('text', '')[:20]}")
    raise AssertionError(f"the keyboard never reached it; focus went {seen}")


def test_a_whole_session_with_the_keyboard_alone(site: Site, browser: Browser) -> None:
    """Log in, filter the plan, change a status, open the activity and post a comment: no
    mouse, no `focus()`, only keys."""
    context = browser.new_context(locale="sv-SE", viewport=DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"{site.base_url}/login")
        tab_until(page, lambda a: a.get("name") == "organisation")
        for _ in range(4):
            if page.evaluate(ACTIVE)["value"] == "kramfors":
                break
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")
        assert page.evaluate(ACTIVE)["checked"]
        page.keyboard.press("Tab")
        page.keyboard.type("handlaggare@kramfors.example")
        page.keyboard.press("Tab")
        page.keyboard.type("samverkan-demo")
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/plans/\d+$"))
        settle(page)

        # Filter: typing in a focused select picks the option; htmx applies it on change.
        everything = page.locator("#result-summary").inner_text()
        tab_until(page, lambda a: a.get("id") == "organisation")
        page.keyboard.type("Kramfors")
        expect(page).to_have_url(re.compile(r"[?&]organisation=kramfors(&|$)"))
        expect(page.locator("#result-summary")).not_to_have_text(everything)
        settle(page)

        # The first chip after the filter: Enter opens the editor, arrows choose, Tab on.
        chip = tab_until(page, lambda a: re.fullmatch(r"assignment-\d+-chip", a.get("id", "")))
        page.keyboard.press("Enter")
        status = page.get_by_label("Ny status", exact=True)
        expect(status).to_be_focused()
        before = status.input_value()
        page.keyboard.press("ArrowDown" if before != "cancelled" else "ArrowUp")
        chosen = status.evaluate("s => s.options[s.selectedIndex].text")
        page.keyboard.press("Tab")
        expect(page.get_by_label("Kommentar (frivillig)")).to_be_focused()
        page.keyboard.type("Ändrad med bara tangentbordet.")
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Spara", exact=True)).to_be_focused()
        page.keyboard.press("Enter")
        saved = page.locator(f"#{chip['id']}")
        expect(saved).to_be_focused()
        expect(saved).to_have_text(chosen)

        # Back to the activity's title link, and on to the activity page.
        tab_until(page, lambda a: a["tag"] == "a" and a["inActivityTitle"], back=True)
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/activities/\d+$"))
        settle(page)
        tab_until(page, lambda a: a.get("id") == "comment-body", limit=120)
        page.keyboard.type("Skrivet och skickat med tangentbordet.")
        tab_until(page, lambda a: a["tag"] == "button" and a["inCommentForm"], limit=6)
        page.keyboard.press("Enter")
        expect(page.locator("#timeline-items > li").last).to_contain_text(
            "Skrivet och skickat med tangentbordet."
        )
        expect(page.locator("#timeline-items")).to_contain_text("Ändrad med bara tangentbordet.")
    finally:
        context.close()


# --- focus is always visible -------------------------------------------------------------------

FOCUS_STYLE = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const rgb = c => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c || "");
    if (!m) return null;
    const p = m[1].split(",").map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const channel = v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const lum = ({r, g, b}) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const ratio = (x, y) => {
    const [hi, lo] = [lum(x), lum(y)].sort((p, q) => q - p);
    return (hi + 0.05) / (lo + 0.05);
  };
  // The indicator is drawn around the element, over what is behind it.
  let behind = {r: 255, g: 255, b: 255, a: 1};
  for (let n = e.parentElement; n; n = n.parentElement) {
    const c = rgb(getComputedStyle(n).backgroundColor);
    if (c && c.a > 0.5) { behind = c; break; }
  }
  const s = getComputedStyle(e);
  const width = s.outlineStyle === "none" ? 0 : parseFloat(s.outlineWidth);
  const colours = [width ? rgb(s.outlineColor) : null];
  if (s.boxShadow !== "none") colours.push(rgb(s.boxShadow));
  const r = e.getBoundingClientRect();
  const label = (e.innerText || e.name || "").trim().slice(0, 30);
  return {what: e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " " + label,
          outline: width, shadow: s.boxShadow,
          contrast: Math.max(0, ...colours.filter(Boolean).map(c => ratio(c, behind))),
          visible: r.width > 0 && r.height > 0};
}"""


@pytest.mark.parametrize("path", ["/plans/{plan}", "/activities/{activity}"])
def test_every_focused_control_shows_a_clear_focus_indicator(
    site: Site, browser: Browser, path: str
) -> None:
    page = context_for(site, browser, "kramfors/admin").new_page()
    try:
        page.goto(site.base_url + path.format(**site.ids))
        settle(page)
        checked, weak = 0, []
        first = None
        for _ in range(150):
            page.keyboard.press("Tab")
            style = page.evaluate(FOCUS_STYLE)
            if style is None or style["what"] == first:
                break  # back at the top: every stop was seen
            first = first or style["what"]
            checked += 1
            if not style["visible"] or style["outline"] < 2 or style["contrast"] < 3:
                weak.append(style)
        assert checked > 10, f"only {checked} focus stops on {path}"
        assert not weak, f"focus hard to see on {path}:\n" + "\n".join(map(str, weak))
    finally:
        page.close()


# --- 320 px wide, and 200 % zoom ---------------------------------------------------------------

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter(e => {
      const r = e.getBoundingClientRect();
      return r.width && r.right > width + 1 && !e.closest(".table-scroll, .dashboard-table");
    })
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
  return {scroll: document.documentElement.scrollWidth, client: width, wide};
}"""

USABLE = """e => {
  const r = e.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return {left: r.left, right: r.right, width: document.documentElement.clientWidth,
          reachable: !!hit && (hit === e || e.contains(hit) || hit.contains(e) ||
                               (hit.control === e))};
}"""


def assert_fits(page: Page, where: str) -> None:
    overflow = page.evaluate(OVERFLOW)
    assert overflow["scroll"] <= overflow["client"], f"{where} scrolls sideways: {overflow}"


def assert_usable(page: Page, control, where: str) -> None:
    control.scroll_into_view_if_needed()
    expect(control).to_be_visible()
    box = control.evaluate(USABLE)
    assert box["left"] >= 0 and box["right"] <= box["width"] + 1, f"{where}: cut off {box}"
    assert box["reachable"], f"{where}: another element covers the control"


@pytest.mark.parametrize("viewport", [PHONE, ZOOMED], ids=["320px", "zoom-200"])
def test_pages_reflow_without_sideways_scrolling(
    site: Site, browser: Browser, viewport: dict[str, int]
) -> None:
    context = browser.new_context(locale="sv-SE", viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        login_through_ui(page, site.base_url, "kramfors", "handlaggare")
        settle(page)
        where = f"overview at {viewport['width']} px"
        assert_fits(page, where)
        assert_usable(page, page.get_by_label("Status", exact=True), where)
        assert_usable(page, page.get_by_role("button", name="Filtrera", exact=True), where)

        editable = page.locator(f"#assignment-{site.ids['editable']}-chip")
        assert_usable(page, editable, where)
        editable.click()
        where = f"inline editor at {viewport['width']} px"
        expect(page.get_by_label("Ny status", exact=True)).to_be_focused()
        assert_fits(page, where)
        for control in (
            page.get_by_label("Ny status", exact=True),
            page.get_by_label("Kommentar (frivillig)"),
            page.get_by_role("button", name="Spara", exact=True),
        ):
            assert_usable(page, control, where)

        page.goto(f"{site.base_url}/activities/{site.ids['activity']}")
        settle(page)
        where = f"activity page at {viewport['width']} px"
        assert_fits(page, where)
        assert_usable(page, page.locator("#comment-body"), where)
        assert_usable(
            page,
            page.locator("#comment-body")
            .locator("xpath=ancestor::form//button[@type='submit']")
            .last,
            where,
        )

        page.goto(f"{site.base_url}/rounds/{site.ids['open_round']}")
        settle(page)
        where = f"round page at {viewport['width']} px"
        assert_fits(page, where)
        assert_usable(page, page.locator(".round-table a").first, where)
        assert_usable(page, page.get_by_role("link", name="Öppna mötesvyn"), where)
    finally:
        context.close()


def test_no_page_type_scrolls_sideways_at_320_px(site: Site, browser: Browser) -> None:
    """The same page types axe scans, at phone width: tables may scroll inside their own box,
    the page itself never."""
    contexts: dict[str, BrowserContext] = {}
    too_wide = []
    try:
        for name, who, path, then in PAGES:
            if who not in contexts:
                contexts[who] = browser.new_context(locale="sv-SE", viewport=PHONE)
                contexts[who].set_default_timeout(10_000)
                if who != "anonymous":
                    organisation, local_part = who.split("/")
                    login_page = contexts[who].new_page()
                    login_through_ui(login_page, site.base_url, organisation, local_part)
                    login_page.close()
            page = contexts[who].new_page()
            page.goto(site.base_url + path.format(**site.ids))
            settle(page)
            if then is not None:
                then(page, site.ids)
            overflow = page.evaluate(OVERFLOW)
            if overflow["scroll"] > overflow["client"]:
                too_wide.append(f"{name}: {overflow}")
            page.close()
    finally:
        for context in contexts.values():
            context.close()
    assert not too_wide, "sideways scrolling at 320 px:\n" + "\n".join(too_wide)
