"""Inline status editing in a real Chromium: the chip turns into a form in place, saves
without a reload, others see the change by polling, a stale save shows the conflict, the
keyboard alone is enough, errors are visible, it works without JavaScript, and axe-core finds
nothing serious in the form or the conflict view."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.browser.conftest import LoginUi, axe_violations, login_through_ui, serve
from tests.conftest import _app_config
from tests.factories import assignment, demo_user
from workspace import create_app
from workspace.extensions import db
from workspace.models import Assignment
from workspace.services.assignments import change_status

POLICE = "Polisen, Sollefteå närpolisområde"
POLICE_WHO = f"Polis {POLICE}"  # function code and organisation, as the chip names them
KRAMFORS_ION_WHO = "ION Kramfors kommun"
VIEWPORT = {"width": 1366, "height": 768}
FAST = 5_000  # ms: a swap after a click; generous for a loaded CI machine


# --- helpers -----------------------------------------------------------------------------------


def wait_for_htmx(page: Page) -> None:
    """htmx is loaded with `defer`: wait until it has run before driving htmx controls."""
    page.wait_for_function("() => window.htmx !== undefined")


def mark(page: Page) -> None:
    """Leave a marker in the document; it is gone if the browser loads a new page."""
    wait_for_htmx(page)
    page.evaluate("window.__marker = 1")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


def ids(app: Flask, org: str, code: str, area: int, activity: int) -> tuple[int, int]:
    """(assignment id, activity id) of a seed-plan assignment, by area and activity position."""
    with app.app_context():
        target = assignment(org, code, area, activity)
        return target.id, target.activity_id


def police_assignment(app: Flask) -> tuple[int, int]:
    """The police assignment of "Oplanerade besök på krogarna…" (area 1), delayed in the demo."""
    return ids(app, "polisen", "Polis", 1, 2)


def chip(page: Page, assignment_id: int, who: str, status: str):
    """An assignment's chip button, found by its accessible name inside its status cell (the
    name alone is not unique: the police have several "Polis" assignments per status)."""
    return page.locator(f"#assignment-{assignment_id}").get_by_role(
        "button", name=f"Status för {who}: {status}. Ändra", exact=True
    )


def status_of(page: Page, assignment_id: int):
    """The chip (button or plain) of an assignment, whoever looks at it."""
    return page.locator(f"#assignment-{assignment_id} [data-assignment-id]")


COUNTS = """ul => Object.fromEntries([...ul.querySelectorAll(".counts__item")]
  .filter(li => li.querySelector(".counts__number"))
  .map(li => [li.className.match(/counts__item--(\\w+)/)[1],
              Number(li.querySelector(".counts__number").textContent)]))"""


def counts(page: Page, counts_id: str) -> dict[str, int]:
    """{status value: number} of a counts list such as #plan-counts or #area-1-counts."""
    return page.locator(f"#{counts_id}").evaluate(COUNTS)


def expect_counts(page: Page, counts_id: str, expected: dict[str, int]) -> None:
    for status, number in expected.items():
        item = page.locator(f"#{counts_id} .counts__item--{status} .counts__number")
        if number:
            expect(item).to_have_text(str(number), timeout=FAST)
        else:
            expect(item).to_have_count(0, timeout=FAST)


def shifted(before: dict[str, int], from_status: str, to_status: str) -> dict[str, int]:
    after = {**before, from_status: before.get(from_status, 0) - 1}
    after[to_status] = before.get(to_status, 0) + 1
    return after


def is_status_post(assignment_id: int):
    def matches(response) -> bool:
        return response.request.method == "POST" and response.url.endswith(
            f"/assignments/{assignment_id}/status"
        )

    return matches


def new_context(browser: Browser) -> BrowserContext:
    return browser.new_context(locale="sv-SE", viewport=VIEWPORT)


@contextmanager
def app_with(templates, **config: Any) -> Iterator[Flask]:
    """An app on its own fresh copy of the demo workspace, with config overrides."""
    uri = templates.fresh("demo")
    app = create_app(_app_config(uri, **config))
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        templates.drop(uri)


# --- a member changes a status in place ------------------------------------------------------


def test_a_police_member_changes_a_status_inline(
    app: Flask, page: Page, live_server: str, login: LoginUi
) -> None:
    target, activity_id = police_assignment(app)
    login(page, "polisen", "handlaggare")
    mark(page)
    area_before = counts(page, "area-1-counts")
    plan_before = counts(page, "plan-counts")
    note = "Besök varje fredag sedan i höstas."

    chip(page, target, POLICE_WHO, "Försenad").click()

    select = page.get_by_label("Ny status", exact=True)
    expect(select).to_be_focused()
    expect(select).to_have_value("delayed")
    select.select_option(label="Genomförd")
    page.get_by_label("Kommentar (frivillig)").fill(note)
    with page.expect_response(is_status_post(target)) as saved:
        page.get_by_role("button", name="Spara", exact=True).click()

    assert saved.value.status == 200
    done = chip(page, target, POLICE_WHO, "Genomförd")
    expect(done).to_have_text("Genomförd")
    expect(done).to_be_focused()
    expect(page.get_by_label("Ny status", exact=True)).to_have_count(0)
    expect_counts(page, "area-1-counts", shifted(area_before, "delayed", "done"))
    expect_counts(page, "plan-counts", shifted(plan_before, "delayed", "done"))
    assert_not_reloaded(page)

    page.goto(f"{live_server}/activities/{activity_id}")
    # The follow-up timeline runs oldest first: the newest entry is at the bottom.
    newest = page.locator("#timeline-items > .timeline__item--status").last
    expect(newest).to_contain_text("Erik Sandberg, Polisen")
    expect(newest.locator(".timeline__change")).to_contain_text(
        re.compile(r"Försenad\s*→?\s*(till)?\s*Genomförd")
    )
    expect(newest.locator(".timeline__note")).to_have_text(note)
    expect(chip(page, target, POLICE_WHO, "Genomförd")).to_be_visible()


def test_a_member_edits_from_the_activity_page_and_its_history_updates(
    app: Flask, page: Page, live_server: str, login: LoginUi
) -> None:
    target, activity_id = police_assignment(app)
    login(page, "polisen", "handlaggare")
    page.goto(f"{live_server}/activities/{activity_id}")
    mark(page)

    chip(page, target, POLICE_WHO, "Försenad").click()
    page.get_by_label("Ny status", exact=True).select_option(label="Pågår")
    page.get_by_label("Kommentar (frivillig)").fill("Ny patrullplan från januari.")
    page.get_by_role("button", name="Spara", exact=True).click()

    expect(chip(page, target, POLICE_WHO, "Pågår")).to_be_focused()
    newest = page.locator("#timeline-items > .timeline__item--status").last
    expect(newest.locator(".timeline__note")).to_have_text("Ny patrullplan från januari.")
    expect(page.locator(f"#assignment-{target}-changed")).to_contain_text("Erik Sandberg")
    expect(page.locator("#overall-status")).to_contain_text("Pågår")
    assert_not_reloaded(page)


# --- others see it without a reload ------------------------------------------------------------


def test_a_kramfors_viewer_sees_the_police_change_without_reload(templates, browser: Browser):
    with app_with(templates, POLL_SECONDS=1) as app, serve(app) as base_url:
        target, _ = police_assignment(app)
        viewer_context, police_context = new_context(browser), new_context(browser)
        try:
            viewer = viewer_context.new_page()
            login_through_ui(viewer, base_url, "kramfors", "lasare")
            mark(viewer)
            expect(viewer.locator("[data-assignment-id]").first).to_be_visible()
            expect(viewer.locator(".chip--button")).to_have_count(0)  # a viewer edits nothing
            expect(status_of(viewer, target)).to_have_text("Försenad")
            area_before = counts(viewer, "area-1-counts")

            police = police_context.new_page()
            login_through_ui(police, base_url, "polisen", "handlaggare")
            wait_for_htmx(police)
            chip(police, target, POLICE_WHO, "Försenad").click()
            police.get_by_label("Ny status", exact=True).select_option(label="Genomförd")
            police.get_by_role("button", name="Spara", exact=True).click()
            expect(chip(police, target, POLICE_WHO, "Genomförd")).to_be_focused()

            # Within a few polls (one a second here) the viewer's chip changes in place.
            cell = viewer.locator(f"#assignment-{target}")
            expect(status_of(viewer, target)).to_have_text("Genomförd", timeout=FAST)
            expect(cell.get_by_text("Ändrad av Erik Sandberg")).to_be_visible()
            expect(cell).to_have_class(re.compile(r"\bis-fresh\b"))
            expect(viewer.locator("#announcer")).to_have_text(
                f"Erik Sandberg ({POLICE}) ändrade {POLICE_WHO} till Genomförd."
            )
            expect_counts(viewer, "area-1-counts", shifted(area_before, "delayed", "done"))
            expect(viewer.locator(".chip--button")).to_have_count(0)
            assert_not_reloaded(viewer)

            # The police member's own page polls too, and does not credit them as "others".
            for _ in range(2):  # the first may have been asked before the save
                with police.expect_response(lambda r: "/updates" in r.url, timeout=FAST):
                    pass
            expect(police.get_by_text("Ändrad av")).to_have_count(0)
        finally:
            viewer_context.close()
            police_context.close()


# --- no lost updates ---------------------------------------------------------------------------


def test_the_second_of_two_editors_gets_the_conflict_and_can_apply_theirs(
    app: Flask, page: Page, browser: Browser, live_server: str, login: LoginUi
) -> None:
    target, activity_id = ids(app, "kramfors", "ION", 1, 3)
    other_context = new_context(browser)
    try:
        first = other_context.new_page()
        login(first, "kramfors", "samordnare")  # Anders Öberg
        second = page
        login(second, "kramfors", "handlaggare")  # Lina Forsberg
        mark(second)
        wait_for_htmx(first)

        # Both open the form on the same version.
        chip(first, target, KRAMFORS_ION_WHO, "Genomförd").click()
        chip(second, target, KRAMFORS_ION_WHO, "Genomförd").click()
        expect(first.get_by_label("Ny status", exact=True)).to_be_focused()
        expect(second.get_by_label("Ny status", exact=True)).to_be_focused()

        first.get_by_label("Ny status", exact=True).select_option(label="Försenad")
        first.get_by_label("Kommentar (frivillig)").fill("Kursen flyttad till våren.")
        first.get_by_role("button", name="Spara", exact=True).click()
        expect(chip(first, target, KRAMFORS_ION_WHO, "Försenad")).to_be_focused()

        second.get_by_label("Ny status", exact=True).select_option(label="Avbruten")
        second.get_by_label("Kommentar (frivillig)").fill("Ingen budget i år.")
        with second.expect_response(is_status_post(target)) as stale:
            second.get_by_role("button", name="Spara", exact=True).click()

        assert stale.value.status == 409
        conflict = second.locator(f"#assignment-{target}")
        alert = conflict.get_by_role("alert")
        expect(alert).to_contain_text("Någon annan ändrade statusen medan du redigerade.")
        expect(alert).to_contain_text(re.compile(r"Nu:\s*Försenad\s+satt av Anders Öberg"))
        expect(alert).to_contain_text(
            re.compile(r"Din ändring:\s*Avbruten\s*– ”Ingen budget i år.”")
        )
        anyway = conflict.get_by_role("button", name="Spara min ändring ändå", exact=True)
        expect(anyway).to_be_focused()
        expect(conflict.get_by_role("link", name="Behåll Försenad", exact=True)).to_be_visible()
        assert_not_reloaded(second)

        with second.expect_response(is_status_post(target)) as applied:
            anyway.click()

        assert applied.value.status == 200
        expect(chip(second, target, KRAMFORS_ION_WHO, "Avbruten")).to_be_focused()
        expect(second.get_by_role("alert").filter(has_text="Någon annan")).to_have_count(0)
        assert_not_reloaded(second)

        # Neither change was lost: both are in the timeline, newest at the bottom.
        second.goto(f"{live_server}/activities/{activity_id}")
        history = second.locator("#timeline-items > .timeline__item--status")
        expect(history.nth(-1)).to_contain_text("Lina Forsberg")
        expect(history.nth(-1)).to_contain_text(re.compile(r"Försenad\s*→?\s*(till)?\s*Avbruten"))
        expect(history.nth(-1).locator(".timeline__note")).to_have_text("Ingen budget i år.")
        expect(history.nth(-2)).to_contain_text("Anders Öberg")
        expect(history.nth(-2)).to_contain_text(re.compile(r"Genomförd\s*→?\s*(till)?\s*Försenad"))
    finally:
        other_context.close()


def changed_behind_the_users_back(app: Flask, assignment_id: int, status: str) -> None:
    """Another police member saves a status through the service, as their browser would."""
    with app.app_context():
        target = db.session.get(Assignment, assignment_id)
        change_status(demo_user("polisen", "samordnare"), target, status, "", target.version)


def open_conflict(app: Flask, page: Page, target: int) -> None:
    """Open the edit form, let someone else save first, then save: the conflict view."""
    chip(page, target, POLICE_WHO, "Försenad").click()
    expect(page.get_by_label("Ny status", exact=True)).to_be_focused()
    changed_behind_the_users_back(app, target, "ongoing")
    page.get_by_label("Ny status", exact=True).select_option(label="Genomförd")
    with page.expect_response(is_status_post(target)) as stale:
        page.get_by_role("button", name="Spara", exact=True).click()
    assert stale.value.status == 409
    expect(page.get_by_text("Någon annan ändrade statusen medan du redigerade.")).to_be_visible()


def test_keeping_the_other_status_after_a_conflict_restores_the_chip(
    app: Flask, page: Page, login: LoginUi
) -> None:
    target, _ = police_assignment(app)
    login(page, "polisen", "handlaggare")
    mark(page)
    open_conflict(app, page, target)

    page.get_by_role("link", name="Behåll Löpande", exact=True).click()

    expect(chip(page, target, POLICE_WHO, "Löpande")).to_be_focused()
    expect(page.get_by_text("Någon annan ändrade statusen")).to_have_count(0)
    assert_not_reloaded(page)


# --- keyboard only -----------------------------------------------------------------------------


def test_a_status_is_changed_with_the_keyboard_alone(
    app: Flask, page: Page, login: LoginUi
) -> None:
    target, activity_id = police_assignment(app)
    login(page, "polisen", "handlaggare")
    mark(page)

    # Start at the activity's title link and Tab on to its chip.
    page.locator(f"#activity-{activity_id} .activity__title a").focus()
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == f"assignment-{target}-chip":
            break
    expect(chip(page, target, POLICE_WHO, "Försenad")).to_be_focused()

    page.keyboard.press("Enter")

    select = page.get_by_label("Ny status", exact=True)
    expect(select).to_be_focused()
    following = select.evaluate("s => s.options[s.selectedIndex + 1].text")
    page.keyboard.press("ArrowDown")
    assert select.evaluate("s => s.options[s.selectedIndex].text") == following
    page.keyboard.press("Tab")
    expect(page.get_by_label("Kommentar (frivillig)")).to_be_focused()
    page.keyboard.type("Ändrad med tangentbordet.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Spara", exact=True)).to_be_focused()
    page.keyboard.press("Enter")

    changed = chip(page, target, POLICE_WHO, following)
    expect(changed).to_be_focused()
    expect(changed).to_have_text(following)

    # Open it again with Space, then Escape: the chip is back, focused, unchanged.
    page.keyboard.press("Space")
    expect(page.get_by_label("Ny status", exact=True)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Escape")

    expect(page.get_by_label("Ny status", exact=True)).to_have_count(0)
    expect(chip(page, target, POLICE_WHO, following)).to_be_focused()
    assert_not_reloaded(page)


# --- errors are shown --------------------------------------------------------------------------


def test_a_failed_request_and_a_rejected_note_are_shown(
    app: Flask, page: Page, login: LoginUi
) -> None:
    target, _ = police_assignment(app)
    login(page, "polisen", "handlaggare")
    mark(page)
    chip(page, target, POLICE_WHO, "Försenad").click()
    page.get_by_label("Ny status", exact=True).select_option(label="Genomförd")

    def offline(route: Route) -> None:
        if route.request.method == "POST":
            route.abort()
        else:
            route.continue_()

    post_url = f"**/assignments/{target}/status"
    page.route(post_url, offline)
    page.get_by_role("button", name="Spara", exact=True).click()

    error = page.locator("#request-error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("Det gick inte att nå servern")
    # The form and what the user chose are still there to try again.
    expect(page.get_by_label("Ny status", exact=True)).to_have_value("done")

    page.unroute(post_url, offline)
    note = page.get_by_label("Kommentar (frivillig)")
    note.evaluate("e => e.removeAttribute('maxlength')")
    note.fill("x" * 501)
    with page.expect_response(is_status_post(target)) as rejected:
        page.get_by_role("button", name="Spara", exact=True).click()

    assert rejected.value.status == 422
    form = page.locator(f"#assignment-{target}")
    expect(form.get_by_role("alert")).to_contain_text("Kommentaren får vara högst 500 tecken.")
    expect(page.get_by_label("Kommentar (frivillig)")).to_have_attribute("aria-invalid", "true")
    expect(error).to_be_hidden()

    # Nothing was saved: cancelling shows the old status.
    form.get_by_role("link", name="Avbryt", exact=True).click()
    expect(chip(page, target, POLICE_WHO, "Försenad")).to_be_focused()
    assert_not_reloaded(page)


def test_an_expired_session_is_shown_in_place(app: Flask, page: Page, login: LoginUi) -> None:
    target, _ = police_assignment(app)
    login(page, "polisen", "handlaggare")
    mark(page)
    chip(page, target, POLICE_WHO, "Försenad").click()
    page.get_by_label("Ny status", exact=True).select_option(label="Genomförd")
    page.context.clear_cookies()  # the session ran out while the form was open

    with page.expect_response(is_status_post(target)) as refused:
        page.get_by_role("button", name="Spara", exact=True).click()

    assert refused.value.status == 400
    # Said once, in the page's alert box; the form keeps what the user chose.
    alert = page.locator("#request-error")
    expect(alert).to_contain_text(
        "Sidan har gått ut. Inget sparades. Ladda om sidan och försök igen."
    )
    expect(alert.get_by_role("link", name="Ladda om sidan")).to_be_visible()
    expect(page.get_by_label("Ny status", exact=True)).to_have_value("done")
    assert_not_reloaded(page)


def test_an_expired_token_keeps_the_chosen_status_and_note_and_saving_again_works(
    app: Flask, page: Page, login: LoginUi
) -> None:
    target, _ = police_assignment(app)
    login(page, "polisen", "handlaggare")
    mark(page)
    note = "Besök varje fredag sedan i höstas."
    chip(page, target, POLICE_WHO, "Försenad").click()
    page.get_by_label("Ny status", exact=True).select_option(label="Genomförd")
    page.get_by_label("Kommentar (frivillig)").fill(note)
    # The token the page carries has expired: in the form and in the header htmx sends.
    page.evaluate(
        """() => {
          document.querySelectorAll('input[name="csrf_token"]').forEach(i => i.value = "expired");
          document.body.setAttribute("hx-headers:inherited", '{"X-CSRFToken": "expired"}');
        }"""
    )

    with page.expect_response(is_status_post(target)) as refused:
        page.get_by_role("button", name="Spara", exact=True).click()

    assert refused.value.status == 400
    form = page.locator(f"#assignment-{target}")
    expect(form.get_by_role("alert")).to_contain_text("Sidan hade gått ut, så inget sparades.")
    # One clear message, in the form, and what the user chose is still there.
    expect(page.locator("main").get_by_text(re.compile("gått ut"))).to_have_count(1)
    expect(page.locator("#request-error")).to_be_hidden()
    expect(page.get_by_label("Ny status", exact=True)).to_have_value("done")
    expect(page.get_by_label("Kommentar (frivillig)")).to_have_value(note)

    with page.expect_response(is_status_post(target)) as saved:
        page.get_by_role("button", name="Spara", exact=True).click()
    assert saved.value.status == 200
    expect(chip(page, target, POLICE_WHO, "Genomförd")).to_be_visible()
    assert_not_reloaded(page)
    with app.app_context():
        assert db.session.get(Assignment, target).status.value == "done"


def test_a_server_error_is_shown_in_place(
    app: Flask, page: Page, login: LoginUi, monkeypatch: pytest.MonkeyPatch
) -> None:
    target, _ = police_assignment(app)
    login(page, "polisen", "handlaggare")
    mark(page)
    chip(page, target, POLICE_WHO, "Försenad").click()
    page.get_by_label("Ny status", exact=True).select_option(label="Genomförd")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # the live server runs in this process
    monkeypatch.setattr("workspace.web.assignments.change_status", broken)
    with page.expect_response(is_status_post(target)) as failed:
        page.get_by_role("button", name="Spara", exact=True).click()

    assert failed.value.status == 500
    alert = page.locator("main").get_by_role("alert")
    expect(alert).to_contain_text("Något gick fel hos oss. Inget sparades.")
    assert_not_reloaded(page)


# --- without JavaScript ------------------------------------------------------------------------


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_a_status_is_changed_without_javascript(
    app: Flask, page: Page, live_server: str, login: LoginUi
) -> None:
    target, _ = police_assignment(app)
    login(page, "polisen", "handlaggare")

    chip(page, target, POLICE_WHO, "Försenad").click()

    expect(page).to_have_url(re.compile(rf"/assignments/{target}/status/edit\?next=%2Fplans%2F1$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Oplanerade besök på krogarna av polispatruller"
    )
    page.get_by_label("Ny status", exact=True).select_option(label="Genomförd")
    page.get_by_label("Kommentar (frivillig)").fill("Utan JavaScript.")
    page.get_by_role("button", name="Spara", exact=True).click()

    expect(page).to_have_url(f"{live_server}/plans/1")
    expect(page.get_by_role("status").filter(has_text="Statusen är sparad.")).to_be_visible()
    expect(chip(page, target, POLICE_WHO, "Genomförd")).to_have_text("Genomförd")


# --- accessibility -----------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["form", "conflict"])
def test_no_serious_accessibility_violations_while_editing(
    app: Flask, page: Page, login: LoginUi, view: str
) -> None:
    target, _ = police_assignment(app)
    login(page, "polisen", "handlaggare")
    wait_for_htmx(page)
    if view == "form":
        chip(page, target, POLICE_WHO, "Försenad").click()
        expect(page.get_by_label("Ny status", exact=True)).to_be_focused()
    else:
        open_conflict(app, page, target)

    details = axe_violations(page)

    assert not details, f"axe-core found serious or critical violations ({view}):\n{details}"
