"""The report page with its evidence form, file input included, fits a 320 px wide screen."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import LoginUi
from tests.factories import assignment, demo_user, seed_plan
from workspace.models import RoundKind
from workspace.services import rounds


@pytest.mark.browser_context_args(viewport={"width": 320, "height": 640})
def test_the_evidence_form_needs_no_sideways_scrolling_at_320_px(
    app: Flask, live_server: str, login: LoginUi, page: Page
) -> None:
    with app.app_context():
        rnd = rounds.open_round(
            demo_user("kramfors", "samordnare"),
            seed_plan(),
            RoundKind.WORKING_GROUP,
            None,
            date(2030, 4, 30),
        )
        target = assignment("kramfors", "ION", 1, 3)
        rounds.report(demo_user("kramfors", "handlaggare"), rnd, target, "Kontrollerna är gjorda.")
        url = f"{live_server}/rounds/{rnd.id}/reports/{target.id}"
    login(page, "kramfors", "handlaggare")
    page.goto(url)
    file_input = page.locator("input[type=file]")
    expect(file_input).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    box = file_input.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320, box
