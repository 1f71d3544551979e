"""Small things a Swedish reader notices: quotation marks, words, names, sizes, lists, and what
a screen reader hears after the user's own save."""

from __future__ import annotations

import re

from flask import Flask

from tests.factories import assignment, closed_annual_round, demo_user
from tests.web.test_rounds import client_for, open_round, post_report, report_url
from tests.web.test_status_editing import ids, save
from workspace.i18n import file_size
from workspace.services.assignments import change_status


def announced(html: str) -> str:
    """The text the fragment puts into the page's screen-reader announcer."""
    found = re.search(r'<div id="announcer" hx-swap-oob="innerHTML">(.*?)</div>', html, re.S)
    assert found, "nothing is announced"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def test_the_conflict_quotes_the_users_note_the_swedish_way(app: Flask) -> None:
    target, version = ids(app, "kramfors", "ION", 1, 3)
    with app.app_context():
        coordinator = demo_user("kramfors", "samordnare")
        change_status(coordinator, assignment("kramfors", "ION", 1, 3), "delayed", "", version)
    member = client_for(app, "kramfors", "handlaggare")
    html = save(member, target, version, "done", "Klart i mars").get_data(as_text=True)
    assert "– ”Klart i mars”" in html
    assert "“" not in html


def test_the_kind_of_evidence_is_called_typ(app: Flask) -> None:
    round_id = open_round(app)
    target, _ = ids(app, "kramfors", "ION", 1, 3)
    member = client_for(app, "kramfors", "handlaggare")
    post_report(member, round_id, target)  # evidence is added to a saved report
    html = member.get(report_url(round_id, target)).get_data(as_text=True)
    assert "<legend>Typ av underlag</legend>" in html
    assert "Sort" not in html


def test_the_content_editor_names_functions_that_two_municipalities_share(app: Flask) -> None:
    html = client_for(app, "kramfors", "samordnare").get("/plans/1/content").get_data(as_text=True)
    assert "ION (Kramfors kommun), ION (Sollefteå kommun)" in html or (
        "ION (Sollefteå kommun), ION (Kramfors kommun)" in html
    )
    assert "ION, ION" not in html
    assert ">Polis</span>" in html  # a code only one organisation has stays short


def test_a_small_file_shows_its_size_in_bytes(app: Flask) -> None:
    with app.app_context():
        round_id = closed_annual_round()  # its decision is a PDF of 70-odd bytes
        target = assignment("kramfors", "ION", 1, 3).id
    html = client_for(app, "kramfors", "handlaggare").get(report_url(round_id, target))
    html = html.get_data(as_text=True)
    assert re.search(r"protokoll\.pdf</a> <span class=\"muted\">\(\d\d byte\)</span>", html)
    assert "(0 kB)" not in html


def test_file_sizes_read_as_swedish_numbers(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        assert file_size(1) == "1 byte"
        assert file_size(1023) == "1\xa0023 byte"
        assert file_size(1536) == "1,5 kB"
        assert file_size(14 * 1024) == "14 kB"
        assert file_size(int(2.5 * 1024 * 1024)) == "2,5 MB"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert file_size(1) == "1 byte" and file_size(512) == "512 bytes"


def test_the_participants_are_three_organisations(app: Flask) -> None:
    html = client_for(app, "kramfors", "lasare").get("/plans/1").get_data(as_text=True)
    participants = html[html.index('<ul class="participants__list"') :]
    participants = participants[: participants.index("</ul>")]
    assert re.findall(r"<li>(.*?)</li>", participants) == [
        "Kramfors kommun",
        "Polisen, Sollefteå närpolisområde",
        "Sollefteå kommun",
    ]


def assignment_activity(app: Flask) -> int:
    with app.app_context():
        return assignment("kramfors", "ION", 1, 3).activity_id


def alerted(html: str) -> str:
    """The text of the fragment's own alert (a screen reader reads it as it appears)."""
    found = re.search(r'<div class="[^"]*" role="alert"[^>]*>(.*?)</div>', html, re.S)
    assert found, "no alert in the answer"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def test_the_users_own_save_and_its_refusals_are_announced(app: Flask) -> None:
    target, version = ids(app, "kramfors", "ION", 1, 3)
    member = client_for(app, "kramfors", "handlaggare")
    for page in ("/plans/1", f"/activities/{assignment_activity(app)}"):
        saved = save(member, target, version, "in_progress", next=page)
        assert saved.status_code == 200
        assert announced(saved.get_data(as_text=True)) == "Status sparad: Pågår"
        version += 1

    refused = save(member, target, version, "done", "x" * 501)
    # A refusal is said once, by the form's own alert; the announcer does not repeat it.
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert alerted(html) == "Kommentaren får vara högst 500 tecken."
    assert 'id="announcer"' not in html
    stale = save(member, target, version - 1, "done")
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert alerted(html).startswith("Någon annan ändrade statusen")
    assert 'id="announcer"' not in html
    # Without JavaScript the whole page answers, and its own messages say it.
    plain = save(member, target, version, "done", "x" * 501, headers={})
    assert plain.status_code == 422 and 'hx-swap-oob="innerHTML"' not in plain.get_data(
        as_text=True
    )
