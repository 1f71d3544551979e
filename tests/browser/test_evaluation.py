"""The annual evaluation in Chromium: a coordinator starts it, a coordinator of each
organisation agrees to it in a browser of their own, one fixes it and downloads the Word
document; axe finds nothing serious in the page."""

from __future__ import annotations

import re
from collections.abc import Callable

from docx import Document
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import axe_violations, login_through_ui

FAST = 5_000
NewContext = Callable[..., BrowserContext]


def open_as(live_server: str, new_context: NewContext, organisation: str) -> Page:
    page = new_context().new_page()
    page.set_default_timeout(10_000)
    login_through_ui(page, live_server, organisation, "samordnare")
    return page


def test_each_coordinator_agrees_one_fixes_and_downloads_the_word_document(
    live_server: str, new_context: NewContext
):
    kramfors = open_as(live_server, new_context, "kramfors")
    kramfors.get_by_role("link", name="Årliga utvärderingar", exact=True).click()
    kramfors.get_by_label("År", exact=True).fill("2026")
    kramfors.get_by_role("button", name="Påbörja", exact=True).click()
    expect(kramfors.get_by_role("heading", level=1)).to_have_text("Årlig utvärdering 2026")
    expect(kramfors.get_by_role("heading", name="Hur rådet har arbetat")).to_be_visible()
    assert axe_violations(kramfors) == ""
    address = kramfors.url
    kramfors.get_by_role("button", name="Vi står bakom den årliga utvärderingen").click()
    expect(kramfors.locator("#agreement")).to_contain_text("står bakom version 1", timeout=FAST)
    # Agreed: no second button to press, a line that says so.
    expect(kramfors.locator("#agreement")).to_contain_text(
        "Din organisation står bakom den här versionen."
    )
    agree_again = kramfors.get_by_role("button", name="Vi står bakom den årliga utvärderingen")
    expect(agree_again).to_have_count(0)

    for agreed, organisation in enumerate(("solleftea", "polisen"), start=2):
        coordinator = open_as(live_server, new_context, organisation)
        coordinator.goto(address)
        coordinator.get_by_role("button", name="Vi står bakom den årliga utvärderingen").click()
        lines = coordinator.locator("#agreement li").filter(has_text="står bakom version 1")
        expect(lines).to_have_count(agreed)

    kramfors.reload()
    expect(kramfors.locator("#agreement")).not_to_contain_text("har inte tagit ställning")
    kramfors.get_by_role("button", name="Fastställ den årliga utvärderingen").click()
    expect(kramfors.locator(".lead")).to_contain_text(re.compile("^Fastställd"))
    with kramfors.expect_download() as downloading:
        kramfors.get_by_role("link", name="Ladda ner som Word (.docx)").click()
    download = downloading.value
    assert download.suggested_filename == "arsuppfoljning-2026.docx"
    document = Document(str(download.path()))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Sammanfattning" in headings and "Hur rådet har arbetat" in headings
    assert any(p.text.startswith("Fastställd") for p in document.paragraphs)
