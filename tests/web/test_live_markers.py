"""Live-poll markers tell a user only about what they may read.

A page carries the marker of what it shows (its plan, its activity or the plan's general
thread, and only comments the reader's organisation may read); its poll answers 204 until
that marker moves. Another organisation's internal note then moves neither.
"""

from __future__ import annotations

import pytest

from tests.factories import assignment, demo_user
from tests.web.test_threads import ACTIVITY, HX, client_for, poll_url, post
from workspace.extensions import db
from workspace.models import Assignment, AssignmentStatus
from workspace.services.assignments import change_status

OVERVIEW, ACTIVITY_PAGE, DISCUSSION = "/plans/1", f"/activities/{ACTIVITY}", "/plans/1/discussion"
PAGES = (OVERVIEW, ACTIVITY_PAGE, DISCUSSION)
# Where a comment is posted, and the pages whose marker it moves for those who may read it.
SHOWN_ON = {ACTIVITY_PAGE: {OVERVIEW, ACTIVITY_PAGE}, DISCUSSION: {OVERVIEW, DISCUSSION}}


def markers(client) -> dict[str, str]:
    """Each page's poll URL, which carries its marker."""
    return {page: poll_url(client.get(page).get_data(as_text=True)) for page in PAGES}


def assert_idle(client, polls: dict[str, str], pages=PAGES) -> None:
    for page in pages:
        response = client.get(polls[page], headers=HX)
        assert response.status_code == 204, page
        assert response.get_data() == b""
        assert not {"ETag", "Last-Modified"} & set(response.headers.keys())


def assert_moved(client, before: dict[str, str], pages) -> None:
    after = markers(client)
    for page in pages:
        assert after[page] != before[page], page
        assert client.get(before[page], headers=HX).status_code == 200, page
    assert_idle(client, after)


@pytest.mark.parametrize("where", list(SHOWN_ON), ids=["activity", "discussion"])
def test_an_internal_note_moves_only_its_own_organisations_markers(app, where):
    solleftea = client_for(app, "solleftea", "lasare")
    kramfors = client_for(app, "kramfors", "lasare")
    before = {"solleftea": markers(solleftea), "kramfors": markers(kramfors)}
    assert_idle(solleftea, before["solleftea"])
    writer = client_for(app, "kramfors", "handlaggare")
    assert post(writer, "Internt i Kramfors.", "internal", path=where).status_code == 200

    # Sollefteå: neither the pages' markers nor the polls' answers change.
    assert markers(solleftea) == before["solleftea"]
    assert_idle(solleftea, before["solleftea"])
    # Kramfors: the pages that show the note moved; the others did not.
    assert_moved(kramfors, before["kramfors"], SHOWN_ON[where])
    unmoved = set(PAGES) - SHOWN_ON[where]
    assert_idle(kramfors, before["kramfors"], unmoved)


@pytest.mark.parametrize("where", list(SHOWN_ON), ids=["activity", "discussion"])
def test_a_shared_comment_moves_everyones_markers(app, where):
    clients = [client_for(app, "solleftea", "lasare"), client_for(app, "kramfors", "lasare")]
    before = [markers(client) for client in clients]
    writer = client_for(app, "kramfors", "handlaggare")
    assert post(writer, "Delat från Kramfors.", path=where).status_code == 200
    for client, seen in zip(clients, before, strict=True):
        assert_moved(client, seen, SHOWN_ON[where])
        assert_idle(client, seen, set(PAGES) - SHOWN_ON[where])


def test_a_status_change_moves_the_plan_and_activity_markers_of_every_participant(app):
    with app.app_context():
        reported = assignment("kramfors", "ION", 1, 3)
        reported_id, activity_page = reported.id, f"/activities/{reported.activity_id}"
    solleftea = client_for(app, "solleftea", "lasare")
    before = {
        page: poll_url(solleftea.get(page).get_data(as_text=True))
        for page in (OVERVIEW, activity_page)
    }
    with app.app_context():
        change_status(
            demo_user("kramfors", "handlaggare"),
            db.session.get(Assignment, reported_id),
            AssignmentStatus.IN_PROGRESS,
        )
    for page, url in before.items():
        assert solleftea.get(url, headers=HX).status_code == 200, page
        assert poll_url(solleftea.get(page).get_data(as_text=True)) != url
