"""What a reader sees and hears on the activity page: author lines that read as written, and
the screen reader told how the user's own status save went."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import LoginUi
from tests.factories import assignment


def test_the_author_line_reads_name_comma_organisation(
    live_server: str, login: LoginUi, page: Page
) -> None:
    login(page, "solleftea", "samordnare")
    page.goto(f"{live_server}/activities/1")
    lines = page.locator(".timeline__meta").evaluate_all(
        "metas => metas.map(m => m.innerText.replace(/\\s+/g, ' '))"
    )
    assert any("Erik Sandberg, Polisen, Sollefteå närpolisområde · Polis" in line for line in lines)
    assert lines and not [line for line in lines if " ," in line], lines


def test_the_screen_reader_hears_the_users_own_save_and_its_refusal(
    app: Flask, live_server: str, login: LoginUi, page: Page
) -> None:
    with app.app_context():
        target = assignment("kramfors", "ION", 1, 3)
        target_id, activity_id = target.id, target.activity_id
    login(page, "kramfors", "handlaggare")
    page.goto(f"{live_server}/activities/{activity_id}")
    page.wait_for_function("() => window.htmx !== undefined")
    announcer = page.locator("#announcer")

    page.locator(f"#assignment-{target_id}").get_by_role("button").click()
    page.get_by_label("Ny status", exact=True).select_option(label="Pågår")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(announcer).to_have_text("Status sparad: Pågår")

    page.locator(f"#assignment-{target_id}").get_by_role("button").click()
    note = page.get_by_label("Kommentar (frivillig)")
    note.evaluate("e => e.removeAttribute('maxlength')")
    note.fill("x" * 501)
    page.get_by_role("button", name="Spara", exact=True).click()
    # The refusal is said once, by the form's own alert; the announcer keeps the last save.
    alert = page.locator(f"#assignment-{target_id}").get_by_role("alert")
    expect(alert).to_have_text("Kommentaren får vara högst 500 tecken.")
    expect(announcer).to_have_text("Status sparad: Pågår")
