"""A database outage in a real Chromium: a save says so in place, the live poll says so in
the alert box, and both pick up again when the database is back."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import LoginUi, login_through_ui, serve
from tests.browser.test_status_editing import (
    FAST,
    POLICE_WHO,
    app_with,
    assert_not_reloaded,
    chip,
    is_status_post,
    mark,
    police_assignment,
)
from tests.web.test_faults import Outage

UNAVAILABLE = "Tjänsten är tillfälligt otillgänglig"


def test_a_save_during_an_outage_is_shown_in_place_and_saves_nothing(
    app: Flask, page: Page, login: LoginUi
) -> None:
    target, _ = police_assignment(app)
    login(page, "polisen", "handlaggare")
    mark(page)
    chip(page, target, POLICE_WHO, "Försenad").click()
    page.get_by_label("Ny status", exact=True).select_option(label="Genomförd")
    outage = Outage(app)
    try:
        outage.start()
        with page.expect_response(is_status_post(target)) as failed:
            page.get_by_role("button", name="Spara", exact=True).click()
        assert failed.value.status == 503
        alert = page.locator("main").get_by_role("alert")
        expect(alert).to_contain_text(UNAVAILABLE)
        expect(alert).to_contain_text("Inget sparades")
        assert_not_reloaded(page)
    finally:
        outage.end()
        outage.remove()
    page.reload()
    expect(chip(page, target, POLICE_WHO, "Försenad")).to_be_visible()


def test_the_poll_shows_an_outage_and_clears_it_when_the_database_is_back(
    templates, page: Page
) -> None:
    with app_with(templates, POLL_SECONDS=1) as app, serve(app) as base_url:
        login_through_ui(page, base_url, "kramfors")
        mark(page)
        box = page.locator("#request-error")
        expect(box).to_be_hidden()
        outage = Outage(app)
        try:
            outage.start()
            expect(box).to_be_visible(timeout=FAST)
            expect(box).to_contain_text(UNAVAILABLE)
            expect(box).to_have_attribute("role", "alert")
        finally:
            outage.end()
            outage.remove()
        expect(box).to_be_hidden(timeout=FAST)
        assert_not_reloaded(page)
