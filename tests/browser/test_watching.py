""" "Bevaka" in a real Chromium: the toggle follows and stops following in place, with its
pressed state for screen readers and the focus kept, and the page is never reloaded."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import LoginUi, axe_violations
from tests.factories import assignment


def test_the_toggle_follows_in_place(
    app: Flask, live_server: str, login: LoginUi, page: Page
) -> None:
    with app.app_context():
        activity_id = assignment("kramfors", "Alkoholhandläggare").activity_id
    login(page, "kramfors", "lasare")
    page.goto(f"{live_server}/activities/{activity_id}")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.__marker = 1 }")
    toggle = page.locator("#watch").get_by_role("button", name="Bevaka")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(page.locator("#watch").get_by_role("button", name="Bevaka")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("#watch")).to_contain_text("Du får veta när andra ändrar status")
    expect(page.locator("#watch-toggle")).to_be_focused()  # the keyboard stays where it was
    page.locator("#watch").get_by_role("button", name="Bevaka").click()
    expect(page.locator("#watch").get_by_role("button", name="Bevaka")).to_have_attribute(
        "aria-pressed", "false"
    )
    assert page.evaluate("() => window.__marker") == 1  # swapped in place, not reloaded
    assert axe_violations(page) == ""
