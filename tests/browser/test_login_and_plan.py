"""Login per organisation, the plan overview and its htmx filter, keyboard use, phone width,
the pinned htmx build, and an axe-core accessibility scan — in a real Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Route, expect

from tests.browser.conftest import ORGANISATIONS, LoginUi, axe_violations, serve
from tests.conftest import _app_config
from tests.factories import SEED_AREAS
from workspace import config, create_app
from workspace.extensions import db

ASSIGNMENTS = 62
ACTIVITIES = 26
# The demo history leaves two assignments delayed, in two different activities.
DELAYED_SUMMARY = "2 aktiviteter, 2 åtaganden"
FULL_SUMMARY = f"{ACTIVITIES} aktiviteter, {ASSIGNMENTS} åtaganden"

PHONE = {"width": 375, "height": 667}


def wait_for_htmx(page: Page) -> None:
    """htmx is loaded with `defer`: wait until it has run before driving htmx controls."""
    page.wait_for_function("() => window.htmx !== undefined")


# --- login and the overview ------------------------------------------------------------------


@pytest.mark.parametrize("organisation", list(ORGANISATIONS))
def test_each_organisation_logs_in_and_sees_the_whole_plan(
    page: Page, login: LoginUi, organisation: str
) -> None:
    login(page, organisation)

    expect(page.get_by_role("banner")).to_contain_text(ORGANISATIONS[organisation])
    headings = page.locator("section.area h2")
    expect(headings).to_have_text(
        [re.compile(rf"^\s*\d+\s+{re.escape(a)}\s*$") for a in SEED_AREAS]
    )
    for heading in headings.all():
        expect(heading).to_be_visible()
    expect(page.locator("[data-assignment-id]")).to_have_count(ASSIGNMENTS)
    expect(page.locator("li.activity")).to_have_count(ACTIVITIES)
    expect(page.locator("#result-summary")).to_have_text(FULL_SUMMARY)


def test_status_filter_swaps_the_plan_with_htmx_and_back_restores_it(
    page: Page, login: LoginUi
) -> None:
    login(page, "kramfors")
    overview_url = page.url
    wait_for_htmx(page)
    page.evaluate("window.__marker = 1")  # gone if the browser loads a new document
    fragment_requests = []
    page.on(
        "request",
        lambda r: fragment_requests.append(r.url) if r.headers.get("hx-request") else None,
    )

    page.get_by_label("Status", exact=True).select_option(label="Försenad")

    expect(page).to_have_url(re.compile(r"[?&]status=delayed(&|$)"))
    expect(page.locator("#result-summary")).to_have_text(DELAYED_SUMMARY)
    chips = page.locator("#plan-body [data-assignment-id]")
    expect(chips).to_have_text(["Försenad", "Försenad"])
    assert page.evaluate("window.__marker") == 1, "the filter reloaded the whole page"
    assert any("status=delayed" in url for url in fragment_requests), fragment_requests

    page.go_back()

    expect(page).to_have_url(overview_url)
    expect(page.locator("[data-assignment-id]")).to_have_count(ASSIGNMENTS)
    expect(page.locator("#result-summary")).to_have_text(FULL_SUMMARY)
    expect(page.get_by_label("Status", exact=True)).to_have_value("")
    assert page.evaluate("window.__marker") == 1, "going back reloaded the whole page"

    page.go_forward()

    expect(page).to_have_url(re.compile(r"[?&]status=delayed(&|$)"))
    expect(page.locator("#result-summary")).to_have_text(DELAYED_SUMMARY)
    expect(page.get_by_label("Status", exact=True)).to_have_value("delayed")


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_status_filter_works_without_javascript(page: Page, login: LoginUi) -> None:
    login(page, "kramfors")

    page.get_by_label("Status", exact=True).select_option(label="Försenad")
    page.get_by_role("button", name="Filtrera", exact=True).click()

    expect(page).to_have_url(re.compile(r"/plans/\d+\?(.*&)?status=delayed(&|$)"))
    expect(page.locator("#result-summary")).to_have_text(DELAYED_SUMMARY)
    expect(page.locator("[data-assignment-id]")).to_have_text(["Försenad", "Försenad"])
    expect(page.get_by_label("Status", exact=True)).to_have_value("delayed")


def test_unknown_plan_shows_the_swedish_not_found_page(
    page: Page, live_server: str, login: LoginUi
) -> None:
    login(page, "kramfors")

    response = page.goto(f"{live_server}/plans/999")

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Sidan finns inte")
    expect(page.locator("html")).to_have_attribute("lang", "sv")


# --- keyboard ----------------------------------------------------------------------------------

FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "body";
  const r = e.getBoundingClientRect();
  return {tag: e.tagName.toLowerCase(), type: e.getAttribute("type") || "",
          name: e.getAttribute("name") || "", value: e.value || "",
          text: (e.innerText || "").trim(), checked: !!e.checked,
          visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0};
}"""


def describe(focused: dict | str) -> str:
    if focused == "body":
        return "body"
    assert isinstance(focused, dict)
    if focused["tag"] == "input":
        return f"input[name={focused['name']}]"
    return f"{focused['tag']}:{focused['text']}"


def test_login_page_is_usable_with_the_keyboard_alone(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/login")

    # Tab from the top: the skip link comes first, and it shows itself when focused.
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert describe(first) == "a:Hoppa till innehållet", first
    assert first["visible"], "the skip link stays off screen when focused"

    # Every control is reached in a sensible order (a radio group is one tab stop).
    order = [describe(first)]
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused == "body" or describe(focused) == order[0]:
            break
        assert focused["visible"], f"focus went to an invisible element: {focused}"
        order.append(describe(focused))
    assert order == [
        "a:Hoppa till innehållet",
        "a:Samverkan",
        "input[name=organisation]",
        "input[name=email]",
        "input[name=password]",
        "input[name=remember]",
        "button:Logga in",
        "a:Tillgänglighetsredogörelse",
        "button:In English",
    ], order

    # The skip link moves focus to the main content.
    page.goto(f"{live_server}/login")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Log in with the keyboard only: Tab to the group, arrows to Kramfors, Space, type, Enter.
    page.goto(f"{live_server}/login")
    for _ in range(3):
        page.keyboard.press("Tab")
    assert describe(page.evaluate(FOCUSED)) == "input[name=organisation]"
    for _ in range(len(ORGANISATIONS)):
        if page.evaluate(FOCUSED)["value"] == "kramfors":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    focused = page.evaluate(FOCUSED)
    assert (focused["value"], focused["checked"]) == ("kramfors", True), focused
    page.keyboard.press("Tab")
    page.keyboard.type("handlaggare@kramfors.example")
    page.keyboard.press("Tab")
    page.keyboard.type("samverkan-demo")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/plans/\d+$"))
    expect(page.get_by_role("banner")).to_contain_text("Kramfors kommun")
    expect(page.get_by_role("banner")).to_contain_text("Lina Forsberg")


# --- phone width -------------------------------------------------------------------------------


@pytest.mark.browser_context_args(viewport=PHONE)
def test_no_horizontal_scrolling_on_a_phone(page: Page, live_server: str, login: LoginUi) -> None:
    def overflow() -> dict:
        return page.evaluate(
            """() => {
              const width = window.innerWidth;
              const wide = [...document.querySelectorAll("body *")]
                .filter(e => e.getBoundingClientRect().right > width + 0.5)
                .slice(0, 5)
                .map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
              return {scroll: document.documentElement.scrollWidth, inner: width, wide};
            }"""
        )

    page.goto(f"{live_server}/login")
    pages = {"login": overflow()}
    login(page, "kramfors")
    pages["overview"] = overflow()
    page.goto(f"{live_server}/activities/1")
    pages["activity"] = overflow()

    too_wide = {name: o for name, o in pages.items() if o["scroll"] > o["inner"]}
    assert pages["overview"]["inner"] == PHONE["width"]
    assert not too_wide, f"horizontal scrolling at {PHONE['width']} px: {too_wide}"


# --- accessibility -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login", "overview", "/activities/1"])
def test_no_serious_accessibility_violations(
    page: Page, live_server: str, login: LoginUi, path: str
) -> None:
    if path == "/login":
        page.goto(f"{live_server}/login")
    else:
        login(page, "kramfors")
        if path != "overview":
            page.goto(f"{live_server}{path}")
    wait_for_htmx(page)

    details = axe_violations(page)
    assert not details, f"axe-core found serious or critical violations on {path}:\n{details}"


# --- the pinned htmx build from the CDN ----------------------------------------------------------


def test_htmx_from_the_cdn_loads_with_the_pinned_integrity_hash(
    templates, context: BrowserContext
) -> None:
    """The CDN URL is served from the local copy: htmx runs only if the file matches the SRI
    hash in config, since the browser refuses a script whose integrity differs."""
    uri = templates.fresh("demo")
    app = create_app(_app_config(uri, HTMX_SOURCE="cdn"))
    local_copy = Path(app.static_folder or "") / config.HTMX_LOCAL_FILE
    assert local_copy.is_file(), f"{local_copy} is missing: run scripts/fetch-htmx"
    blocked: list[str] = []

    def only_localhost(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_localhost)  # page routes below take precedence
    try:
        with serve(app) as base_url:
            page = context.new_page()
            page.route(
                config.HTMX_CDN_URL,
                lambda r: r.fulfill(path=local_copy, content_type="application/javascript"),
            )
            page.goto(f"{base_url}/login")
            expect(page.locator(f'script[src="{config.HTMX_CDN_URL}"]')).to_have_attribute(
                "integrity", config.HTMX_SRI
            )
            wait_for_htmx(page)
            version = page.evaluate("htmx.version")
            assert version.startswith("4"), version

            # The hash is enforced: one changed byte and the browser refuses the script.
            tampered = context.new_page()
            errors: list[str] = []
            tampered.on("console", lambda m: errors.append(m.text) if is_error(m) else None)
            tampered.route(
                config.HTMX_CDN_URL,
                lambda r: r.fulfill(
                    body=local_copy.read_bytes() + b"\n;",
                    content_type="application/javascript",
                ),
            )
            tampered.goto(f"{base_url}/login", wait_until="load")
            assert tampered.evaluate("typeof window.htmx") == "undefined"
            assert any("integrity" in e for e in errors), errors
            assert blocked == [], f"requests left 127.0.0.1: {blocked}"
    finally:
        with app.app_context():
            db.engine.dispose()
        templates.drop(uri)


def is_error(message: ConsoleMessage) -> bool:
    return message.type == "error"
