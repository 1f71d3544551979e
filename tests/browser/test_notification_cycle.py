"""The notification cycle in a real Chromium: a coordinator opens a round, a handläggare of
Kramfors sees it at the header's bell, reads why she got it, follows the link to the round,
and then chooses never to be mailed about new rounds. Keyboard where a person would use it;
each page passes an axe-core scan."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Page, expect

from tests.browser.conftest import LoginUi, axe_violations

YEAR = date.today().year + 1
TITLE = f"Uppföljning oktober {YEAR}"


def test_a_round_reaches_the_bell_and_its_mail_can_be_turned_off(
    page: Page, login: LoginUi, live_server: str
) -> None:
    # The coordinator opens the October round.
    login(page, "kramfors", "samordnare")
    page.get_by_role("link", name="Uppföljningar", exact=True).click()
    form = page.get_by_role("region", name="Öppna en ny uppföljning")
    form.get_by_role("radio", name="Arbetsgruppens uppföljning", exact=True).check()
    form.get_by_label("Rubrik", exact=True).fill(TITLE)
    form.get_by_label("Redovisas senast", exact=True).fill(f"{YEAR}-10-15")
    form.get_by_role("button", name="Öppna uppföljningen", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    round_url = page.url
    page.get_by_role("banner").get_by_role("button", name="Logga ut", exact=True).click()

    # The Kramfors handläggare holds ION and BSN: one notification for each.
    login(page, "kramfors", "handlaggare")
    bell = page.locator("#notification-bell")
    expect(bell).to_have_accessible_name("Aviseringar, 2 olästa")
    bell.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Aviseringar", level=1)).to_be_visible()
    ion = page.locator(".notification").filter(
        has=page.get_by_role("link", name=f"{TITLE}: ION ska redovisa senast 15 oktober {YEAR}")
    )
    expect(ion).to_have_count(1)
    expect(ion).to_contain_text("ION i Kramfors kommun ska senast 15 oktober")
    expect(ion.locator(".notification__reason")).to_have_text(
        "Du får det här eftersom du innehar funktionen ION i Kramfors kommun."
    )
    assert axe_violations(page) == ""

    link = ion.get_by_role("link", name=re.compile("ION ska redovisa"))
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(round_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)

    # Mitt konto → Aviseringar: never mail me about a new round.
    page.get_by_role("link", name="Mitt konto", exact=True).click()
    page.get_by_role("link", name="Inställningar för aviseringar", exact=True).click()
    opened = page.get_by_role("group", name="En uppföljning öppnas", exact=True)
    opened.get_by_role("radio", name="Aldrig", exact=True).check()
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.get_by_text("Dina inställningar för aviseringar är sparade.")).to_be_visible()
    assert axe_violations(page) == ""
    page.goto(f"{live_server}/account/notifications")
    opened = page.get_by_role("group", name="En uppföljning öppnas", exact=True)
    expect(opened.get_by_role("radio", name="Aldrig", exact=True)).to_be_checked()
    other = page.get_by_role("group", name="En redovisning ska snart lämnas", exact=True)
    expect(other.get_by_role("radio", name="Direkt", exact=True)).to_be_checked()
