"""The chair steps through the meeting view with ← and → as fast as they like, on a network
that is slow: every press counts, from the area the previous press led to."""

from __future__ import annotations

import time

import pytest
from flask import Flask, request
from playwright.sync_api import Page, expect

from tests.browser.conftest import LoginUi
from tests.factories import SEED_AREAS, closed_annual_round

SLOW_SECONDS = 0.4


@pytest.fixture
def slow_network(app: Flask) -> None:
    """The page's script and the meeting view's answers arrive late, as on a slow network."""

    @app.before_request
    def arrive_late() -> None:
        if request.path.endswith(("/static/js/app.js", "/meeting")):
            time.sleep(SLOW_SECONDS)


def heading_of(area: int) -> str:
    return f"Område {area} av 6: {SEED_AREAS[area - 1]}"


def test_quick_presses_in_the_meeting_view_are_all_taken(
    app: Flask, live_server: str, slow_network: None, login: LoginUi, page: Page
) -> None:
    with app.app_context():
        round_id = closed_annual_round()
    login(page, "kramfors", "samordnare")
    page.goto(f"{live_server}/rounds/{round_id}")
    page.get_by_role("link", name="Öppna mötesvyn").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(heading_of(1))

    # The first press comes as soon as the area is on screen, the next ones back to back.
    page.keyboard.press("ArrowRight")
    expect(heading).to_have_text(heading_of(2))
    page.keyboard.press("ArrowLeft")
    expect(heading).to_have_text(heading_of(1))
    for key in ("ArrowRight", "ArrowRight", "ArrowRight", "ArrowLeft"):
        page.keyboard.press(key)
    expect(heading).to_have_text(heading_of(3))
    expect(page).to_have_url(f"{live_server}/rounds/{round_id}/meeting?area=3")

    # At the last area → does nothing; the presses after it still count.
    for key in ("ArrowRight", "ArrowRight", "ArrowRight", "ArrowRight", "ArrowLeft"):
        page.keyboard.press(key)
    expect(heading).to_have_text(heading_of(5))
    expect(page.get_by_role("link", name="Nästa område →")).to_be_visible()
