"""Notifications in a real Chromium, by keyboard only: reach the header's bell, open the
list, mark one read, and hear the count change; the list passes an axe-core scan."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import LoginUi, axe_violations
from tests.factories import demo_user
from workspace.extensions import db
from workspace.models import Notification, NotificationKind
from workspace.services import notifications
from workspace.services.notifications import NotificationText

KIND = NotificationKind.OVERDUE


@pytest.fixture
def two_notifications(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two unread notifications for lasare@kramfors.example, worded by a test renderer."""

    def text(notification: Notification) -> NotificationText:
        return NotificationText(f"Redovisning saknas {notification.params['n']}", ["Se planen."])

    monkeypatch.setitem(notifications._RENDERERS, KIND, text)
    with app.app_context():
        reader = demo_user("kramfors", "lasare")
        for n in (1, 2):
            notifications.notify(reader, KIND, link="/plans/1", params={"n": n})
        db.session.commit()


def tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element `selector` names has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} was not reached by Tab")


def test_keyboard_only_bell_list_and_mark_read(
    page: Page, login: LoginUi, two_notifications: None
) -> None:
    login(page, "kramfors")
    bell = page.locator("#notification-bell")
    expect(bell).to_have_accessible_name("Aviseringar, 2 olästa")

    tab_to(page, "#notification-bell")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/notifications$"))
    expect(page.get_by_role("heading", name="Aviseringar", level=1)).to_be_visible()
    expect(page.locator(".notification.is-unread")).to_have_count(2)

    tab_to(page, ".notification form button")
    page.keyboard.press("Enter")
    expect(page.locator(".notification.is-unread")).to_have_count(1)
    expect(bell).to_have_accessible_name("Aviseringar, 1 oläst")
    expect(page.locator("#notification-count")).to_have_text("1 oläst avisering")
    expect(page.locator("#announcer")).to_have_text("1 oläst avisering")
    # In place: still the list page, the count updated out of band.
    expect(page).to_have_url(re.compile(r"/notifications$"))

    assert axe_violations(page) == ""


def test_the_settings_and_the_mail_log_pass_axe(
    page: Page, login: LoginUi, live_server: str, two_notifications: None
) -> None:
    login(page, "kramfors", "admin")
    page.goto(f"{live_server}/account/notifications")
    expect(page.get_by_role("group", name="Nytt om en aktivitet du bevakar")).to_be_visible()
    expect(page.get_by_text("E-post är avstängd i den här installationen")).to_be_visible()
    assert axe_violations(page) == ""
    page.get_by_role("radio", name="Aldrig").first.check()
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Dina inställningar för aviseringar är sparade.")).to_be_visible()
    page.goto(f"{live_server}/admin/mail-log")
    expect(page.get_by_role("cell", name="Redovisningar saknas efter sista dag")).to_have_count(2)
    assert axe_violations(page) == ""
