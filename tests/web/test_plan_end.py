"""A plan the next one replaced says so, and is closed for changes until a coordinator
reopens it; archived areas and activities can be restored."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import Auth, csrf_token_from
from tests.factories import assignment, demo_user, seed_plan
from workspace.extensions import db
from workspace.models import (
    Activity,
    Area,
    AssignmentStatus,
    AuditEvent,
    FollowUpRound,
    RoundKind,
)
from workspace.services import content, rounds

NEW_TITLE = "Handlingsplan 2014–2016"


def client_for(app, org: str, local_part: str):
    client = app.test_client()
    Auth(client).login(org, local_part)
    return client


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": Auth(client).csrf_token("/plans/1"), **data})


@pytest.fixture
def coordinator(app):
    return client_for(app, "kramfors", "samordnare")


@pytest.fixture
def member(app):
    return client_for(app, "kramfors", "handlaggare")


def start_next_plan(coordinator) -> int:
    page = coordinator.get("/plans/1/copy").get_data(as_text=True)
    response = coordinator.post(
        "/plans/1/copy",
        data={"csrf_token": csrf_token_from(page), "title": NEW_TITLE, "period_start": "2014"},
    )
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


def plan_version(app) -> int:
    with app.app_context():
        return seed_plan().version


def audited(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars()
        )


def test_the_old_plan_says_it_is_replaced_on_all_its_pages(app, coordinator, member):
    with app.app_context():
        rnd = rounds.open_round(
            demo_user("kramfors", "samordnare"),
            seed_plan(),
            RoundKind.WORKING_GROUP,
            "Uppföljning april",
            date(2013, 4, 30),
        )
        own = assignment("kramfors", "ION", 1, 3).id
        round_id = rnd.id
    assert "ersatts av" not in member.get("/plans/1").get_data(as_text=True)
    new_id = start_next_plan(coordinator)
    for path in (
        "/plans/1",
        "/plans/1/dashboard",
        "/plans/1/discussion",
        "/plans/1/rounds",
        "/activities/3",
        f"/rounds/{round_id}",
        f"/rounds/{round_id}/reports/{own}",
        f"/rounds/{round_id}/meeting",
        f"/rounds/{round_id}/report",
    ):
        html = member.get(path).get_data(as_text=True)
        assert "Den här handlingsplanen har ersatts av" in html, path
        assert f'<a href="/plans/{new_id}">{NEW_TITLE} (2014–2016)</a>' in html, path
    # The new plan is open and says nothing of the kind.
    assert "ersatts av" not in member.get(f"/plans/{new_id}").get_data(as_text=True)


def test_statuses_reports_and_content_are_closed_on_the_old_plan(app, coordinator, member):
    with app.app_context():
        rnd = rounds.open_round(
            demo_user("kramfors", "samordnare"),
            seed_plan(),
            RoundKind.WORKING_GROUP,
            "Uppföljning april",
            date(2013, 4, 30),
        )
        own = assignment("kramfors", "ION", 1, 3)
        own_id, version, round_id = own.id, own.version, rnd.id
    start_next_plan(coordinator)

    overview = member.get("/plans/1").get_data(as_text=True)
    assert "chip--button" not in overview  # the inline status editor is not offered
    assert member.get(f"/assignments/{own_id}/status/edit").status_code == 403

    # A forged save: refused in place, saying why, with what the user chose.
    forged = post(
        member,
        f"/assignments/{own_id}/status",
        status="delayed",
        note="Sent i år",
        version=str(version),
        next="/plans/1",
    )
    html = forged.get_data(as_text=True)
    assert forged.status_code == 403
    assert "har ersatts av" in html and "stängd för ändringar" in html
    assert "Sent i år" in html and "chip--delayed" in html
    with app.app_context():
        assert assignment("kramfors", "ION", 1, 3).status is AssignmentStatus.DONE

    report_page = member.get(f"/rounds/{round_id}/reports/{own_id}").get_data(as_text=True)
    assert "Spara redovisningen" not in report_page
    refused = post(member, f"/rounds/{round_id}/reports/{own_id}", what_was_done="Gjort.")
    assert refused.status_code == 403 and "har ersatts av" in refused.get_data(as_text=True)
    with app.app_context():
        rnd = db.session.get(FollowUpRound, round_id)
        assert rounds.find_report(rnd, assignment("kramfors", "ION", 1, 3)) is None

    assert "Redigera planens innehåll" not in coordinator.get("/plans/1").get_data(as_text=True)
    renamed = post(coordinator, "/areas/1/title", title="Nytt namn")
    assert renamed.status_code == 403 and "har ersatts av" in renamed.get_data(as_text=True)
    assert coordinator.get("/plans/1/content").status_code == 403
    with app.app_context():
        assert db.session.get(Area, 1).title != "Nytt namn"


def test_a_coordinator_reopens_the_plan_and_closes_it_again(app, coordinator, member):
    start_next_plan(coordinator)
    assert "Öppna planen för ändringar" not in member.get("/plans/1").get_data(as_text=True)
    assert post(member, "/plans/1/reopen", version=str(plan_version(app))).status_code == 403

    page = coordinator.get("/plans/1").get_data(as_text=True)
    assert "Öppna planen för ändringar" in page
    reopened = post(coordinator, "/plans/1/reopen", version=str(plan_version(app)))
    assert reopened.status_code == 303
    [event] = audited(app, "plan.reopened")
    assert event.user_id is not None and event.object_id == 1

    page = member.get("/plans/1").get_data(as_text=True)
    assert "Den här handlingsplanen har ersatts av" in page  # still says so
    assert "öppnade den för ändringar" in page and "chip--button" in page
    with app.app_context():
        own = assignment("kramfors", "ION", 1, 3)
        own_id, version = own.id, own.version
    saved = post(
        member, f"/assignments/{own_id}/status", status="delayed", version=str(version), note=""
    )
    assert saved.status_code == 303
    with app.app_context():
        area_version = str(db.session.get(Area, 1).version)
    renamed = post(coordinator, "/areas/1/title", title="Nytt namn", version=area_version)
    assert renamed.status_code == 303

    closed = post(coordinator, "/plans/1/close", version=str(plan_version(app)))
    assert closed.status_code == 303 and len(audited(app, "plan.closed_again")) == 1
    assert "chip--button" not in member.get("/plans/1").get_data(as_text=True)


def test_reopening_on_a_stale_page_answers_409_with_the_plan_as_it_is_now(app, coordinator):
    start_next_plan(coordinator)
    seen = plan_version(app)
    assert post(coordinator, "/plans/1/reopen", version=str(seen)).status_code == 303
    other = client_for(app, "solleftea", "samordnare")
    # Someone who also saw the closed plan asks to reopen it: it is reopened already.
    late = post(other, "/plans/1/reopen", version=str(seen))
    html = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "medan du tittade" in html and "öppen för ändringar" in html
    assert "Stäng planen för ändringar igen" in html  # the choice that is left
    assert len(audited(app, "plan.reopened")) == 1


def test_restoring_an_archived_area_and_activity(app, coordinator, member):
    with app.app_context():
        actor = demo_user("kramfors", "samordnare")
        content.archive_area(actor, db.session.get(Area, 5))
        content.archive_activity(actor, db.session.get(Activity, 2))
        area_seen = content.archive_marker(db.session.get(Area, 5))
        activity_seen = content.archive_marker(db.session.get(Activity, 2))
    editor = coordinator.get("/plans/1/content").get_data(as_text=True)
    assert "Arkiverat" in editor and 'action="/areas/5/restore"' in editor

    assert post(member, "/areas/5/restore", archived=area_seen).status_code == 403
    assert post(member, "/activities/2/restore", archived=activity_seen).status_code == 403

    assert post(coordinator, "/areas/5/restore", archived=area_seen).status_code == 303
    assert post(coordinator, "/activities/2/restore", archived=activity_seen).status_code == 303
    overview = member.get("/plans/1").get_data(as_text=True)
    assert "Grov organiserad brottslighet" in overview
    assert "Oplanerade besök på krogarna" in overview
    assert "26 aktiviteter, 62 åtaganden" in overview
    assert [e.object_id for e in audited(app, "plan.area_restored")] == [5]
    assert [e.object_id for e in audited(app, "plan.activity_restored")] == [2]

    # A second restore from the same, now stale, page changes nothing and says why.
    again = post(coordinator, "/areas/5/restore", archived=area_seen)
    assert again.status_code == 409 and "medan du tittade" in again.get_data(as_text=True)


def test_an_activity_taken_off_before_its_area_stays_archived(app, coordinator):
    with app.app_context():
        actor = demo_user("kramfors", "samordnare")
        content.archive_activity(actor, db.session.get(Activity, 2))
        content.archive_area(actor, db.session.get(Area, 1))
        seen = content.archive_marker(db.session.get(Area, 1))
    assert post(coordinator, "/areas/1/restore", archived=seen).status_code == 303
    editor = coordinator.get("/plans/1/content").get_data(as_text=True)
    assert re.search(r'action="/activities/2/restore"', editor)
    with app.app_context():
        assert db.session.get(Activity, 2).archived_at is not None
        assert db.session.get(Activity, 1).archived_at is None


def open_round_on_the_old_plan(app) -> tuple[int, int]:
    with app.app_context():
        rnd = rounds.open_round(
            demo_user("kramfors", "samordnare"),
            seed_plan(),
            RoundKind.WORKING_GROUP,
            "Uppföljning april",
            date(2013, 4, 30),
        )
        return rnd.id, assignment("kramfors", "ION", 1, 3).id


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["plain", "htmx"])
def test_a_report_written_while_the_plan_was_replaced_keeps_its_text(
    app, coordinator, member, headers
):
    round_id, own_id = open_round_on_the_old_plan(app)
    url = f"/rounds/{round_id}/reports/{own_id}"
    page = member.get(url).get_data(as_text=True)
    start_next_plan(coordinator)  # while the member is writing

    response = member.post(
        url,
        data={
            "csrf_token": csrf_token_from(page),
            "version": "0",
            "what_was_done": "Skrivet medan planen ersattes.",
        },
        headers=headers,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and ("<html" in html) == (not headers)
    typed = re.search(r'<textarea[^>]*name="what_was_done"[^>]*>(.*?)</textarea>', html, re.S)
    assert typed and typed.group(1).strip() == "Skrivet medan planen ersattes."
    assert html.count(f"har ersatts av {NEW_TITLE}") == 1
    assert "Spara redovisningen" not in html
    with app.app_context():
        rnd = db.session.get(FollowUpRound, round_id)
        assert rounds.find_report(rnd, assignment("kramfors", "ION", 1, 3)) is None


def test_evidence_sent_while_the_plan_was_replaced_keeps_what_was_filled_in(
    app, coordinator, member
):
    round_id, own_id = open_round_on_the_old_plan(app)
    url = f"/rounds/{round_id}/reports/{own_id}"
    page = member.get(url).get_data(as_text=True)
    saved = member.post(
        url, data={"csrf_token": csrf_token_from(page), "version": "0", "what_was_done": "Gjort."}
    )
    assert saved.status_code == 303
    start_next_plan(coordinator)
    response = member.post(
        f"{url}/evidence",
        data={
            "csrf_token": csrf_token_from(page),
            "kind": "decision",
            "title": "Beslut om tillsynsplan",
            "url": "https://kramfors.se/beslut",
            "registry_number": "KS 2012/114",
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Beslut om tillsynsplan" in html and "KS 2012/114" in html
    assert html.count(f"har ersatts av {NEW_TITLE}") == 1
