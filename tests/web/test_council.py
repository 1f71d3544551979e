"""The council's meetings: recorded by coordinators with who came from each organisation and
what was decided, read by everyone in the plan, summed up per year for the evaluation."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from tests.conftest import Auth
from tests.factories import demo_user, seed_plan
from tests.web.test_content import client_for, post
from workspace.extensions import db
from workspace.models import CouncilBody, CouncilMeeting, Organisation, RoundKind
from workspace.services import content, council, demo, plans, rounds


def org_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.execute(
            select(Organisation.id).where(Organisation.slug == slug)
        ).scalar_one()


def meeting_form(app, **given) -> dict[str, str]:
    """A May council meeting Sollefteå came to with three people and Kramfors with two;
    the police and the partners were away."""
    return {
        "body": "council",
        "held_on": "2012-05-20",
        "title": "Rådsmöte maj",
        "decisions": "Krogutbildningen fortsätter.\n- Ny lägesbild till hösten.",
        f"attended-{org_id(app, 'solleftea')}": "y",
        f"attendees-{org_id(app, 'solleftea')}": "3",
        f"attended-{org_id(app, 'kramfors')}": "y",
        f"attendees-{org_id(app, 'kramfors')}": "2",
        **given,
    }


def recorded(app, **given) -> int:
    """A meeting recorded through the service by Kramfors's coordinator; its id."""
    with app.app_context():
        plan = seed_plan()
        ids = {slug: org_id(app, slug) for slug in ("solleftea", "kramfors", "polisen")}
        meeting = council.record(
            demo_user("kramfors", "samordnare"),
            plan,
            council.MeetingText(
                body=given.get("body", "working_group"),
                held_on=given.get("held_on", date(2012, 4, 25)),
                title=given.get("title", "Arbetsgruppen april"),
                decisions=given.get("decisions", "Polisen redovisar våldet per månad."),
                attendance=given.get(
                    "attendance",
                    {
                        ids["solleftea"]: council.Attendance(True, "2"),
                        ids["polisen"]: council.Attendance(True, ""),
                    },
                ),
            ),
        )
        return meeting.id


def version_of(app, meeting_id: int) -> int:
    with app.app_context():
        return db.session.get(CouncilMeeting, meeting_id).version


def test_a_coordinator_records_a_meeting_and_everyone_in_the_plan_reads_it(app):
    coordinator = client_for(app, "kramfors", "samordnare")
    saved = post(coordinator, "/plans/1/meetings/new", **meeting_form(app))
    assert saved.status_code == 303
    assert saved.headers["Location"].startswith("/plans/1/meetings?year=2012#meeting-")
    viewer = client_for(app, "polisen", "lasare")
    page = viewer.get("/plans/1/meetings?year=2012").get_data(as_text=True)
    assert "Rådsmöte maj" in page
    assert 'datetime="2012-05-20"' in page and "20 maj 2012" in page
    assert "Brottsförebyggande rådet" in page
    assert "Sollefteå kommun (3 personer)" in page and "Kramfors kommun (2 personer)" in page
    assert "Krogutbildningen fortsätter." in page and "Ny lägesbild till hösten." in page
    assert "- Ny lägesbild" not in page  # the list mark is dropped
    # Viewers read; only coordinators see the way to record or change one.
    assert "Anteckna ett möte" not in page and "/edit" not in page


def test_the_plan_page_leads_to_the_meetings(app):
    viewer = client_for(app, "kramfors", "lasare")
    assert 'href="/plans/1/meetings"' in viewer.get("/plans/1").get_data(as_text=True)


def test_the_summary_counts_meetings_attendance_and_decisions(app):
    ids = {slug: org_id(app, slug) for slug in ("solleftea", "kramfors", "polisen")}
    recorded(app)  # April: Sollefteå 2, the police uncounted
    recorded(
        app,
        body="council",
        held_on=date(2012, 5, 20),
        title="Rådsmöte maj",
        decisions="Krogutbildningen fortsätter.\nNy lägesbild till hösten.",
        attendance={
            ids["solleftea"]: council.Attendance(True, "3"),
            ids["kramfors"]: council.Attendance(True, "1"),
        },
    )
    recorded(app, held_on=date(2012, 10, 24), title="Arbetsgruppen oktober", decisions="")
    recorded(app, held_on=date(2013, 4, 24), title="Arbetsgruppen april 2013")  # another year
    with app.app_context():
        summary = council.summary(seed_plan(), 2012)
        assert summary.held == {CouncilBody.COUNCIL: 1, CouncilBody.WORKING_GROUP: 2}
        by_org = {line.organisation.slug: line for line in summary.attendance}
        assert (by_org["solleftea"].attended, by_org["solleftea"].meetings) == (3, 3)
        assert by_org["solleftea"].people == 2 + 3 + 2
        assert (by_org["kramfors"].attended, by_org["kramfors"].people) == (1, 1)
        assert (by_org["polisen"].attended, by_org["polisen"].uncounted) == (2, 2)
        # Every member of the council has a row in each meeting, partners included.
        assert by_org["kvinnojouren"].meetings == 3 and by_org["kvinnojouren"].attended == 0
        assert [(d.text, d.meeting.held_on) for d in summary.decisions] == [
            ("Polisen redovisar våldet per månad.", date(2012, 4, 25)),
            ("Krogutbildningen fortsätter.", date(2012, 5, 20)),
            ("Ny lägesbild till hösten.", date(2012, 5, 20)),
        ]
    page = client_for(app, "solleftea", "lasare").get("/plans/1/meetings?year=2012")
    html = page.get_data(as_text=True)
    assert "Brottsförebyggande rådet: 1 möte" in html and "Arbetsgruppen: 2 möten" in html
    assert "3 av 3 möten" in html and "0 av 3 möten" in html
    listed = html[html.index('id="meetings-title"') :]
    assert listed.index("Arbetsgruppen oktober") < listed.index("Rådsmöte maj")  # newest first
    assert "Arbetsgruppen april 2013" not in html


def test_the_same_meeting_recorded_twice_is_a_conflict_that_keeps_what_was_typed(app):
    recorded(app, body="council", held_on=date(2012, 5, 20), title="Rådsmöte maj")
    other = client_for(app, "solleftea", "samordnare")
    again = post(
        other, "/plans/1/meetings/new", **meeting_form(app, title="Rådets möte i maj (igen)")
    )
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "Brottsförebyggande rådets möte den 20 maj 2012 är redan antecknat" in html
    assert 'value="Rådets möte i maj (igen)"' in html  # the user's own, kept
    assert f'name="attendees-{org_id(app, "solleftea")}"' in html and 'value="3"' in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count(CouncilMeeting.id))) == 1


def test_a_stale_edit_answers_409_with_both_versions_and_keeps_the_input(app):
    meeting_id = recorded(app)
    seen = version_of(app, meeting_id)
    path = f"/meetings/{meeting_id}/edit"
    kramfors = client_for(app, "kramfors", "samordnare")
    police = client_for(app, "polisen", "samordnare")
    first = post(
        kramfors,
        path,
        **meeting_form(app, body="working_group", held_on="2012-04-25", title="Arbetsgruppen, vår"),
        version=seen,
    )
    assert first.status_code == 303
    stale = post(
        police,
        path,
        **meeting_form(
            app,
            body="working_group",
            held_on="2012-04-25",
            title="Arbetsgruppen april, polisens anteckning",
        ),
        version=seen,
    )
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Någon annan sparade mötet medan du ändrade det." in html
    assert "Arbetsgruppen, vår" in html  # theirs
    assert 'value="Arbetsgruppen april, polisens anteckning"' in html  # mine, kept
    assert f'name="version" type="hidden" value="{version_of(app, meeting_id)}"' in html
    fragment = police.post(
        path,
        data={
            "csrf_token": Auth(police).csrf_token("/plans/1"),
            **meeting_form(app, body="working_group", held_on="2012-04-25"),
            "version": seen,
        },
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 409 and "<html" not in fragment.get_data(as_text=True)


def test_an_edit_records_the_attendance_and_the_audit_log_names_it(app):
    meeting_id = recorded(app)
    kramfors = client_for(app, "kramfors", "samordnare")
    form = meeting_form(app, body="working_group", held_on="2012-04-25", title="Arbetsgruppen")
    saved = post(kramfors, f"/meetings/{meeting_id}/edit", **form, version=1)
    assert saved.status_code == 303
    with app.app_context():
        meeting = db.session.get(CouncilMeeting, meeting_id)
        assert meeting.version == 2
        came = {row.organisation.slug: row.attendees for row in meeting.attendance if row.attended}
        assert came == {"solleftea": 3, "kramfors": 2}
    log = client_for(app, "kramfors", "admin").get("/admin/audit").get_data(as_text=True)
    assert "Möte ändrat" in log and "Möte antecknat" in log


def test_viewers_and_members_read_but_do_not_record(app):
    for local_part in ("lasare", "handlaggare"):
        client = client_for(app, "kramfors", local_part)
        assert client.get("/plans/1/meetings/new").status_code == 403
        refused = post(client, "/plans/1/meetings/new", **meeting_form(app))
        assert refused.status_code == 403
        assert "samordnare antecknar dem" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(CouncilMeeting.id))) == 0


def test_a_meeting_of_another_plan_does_not_exist_here(app):
    with app.app_context():
        police = db.session.execute(
            select(Organisation).where(Organisation.slug == "polisen")
        ).scalar_one()
        own_plan = plans.create_plan("Polisens egen plan", 2012, [police])
        meeting = council.record(
            demo_user("polisen", "samordnare"),
            own_plan,
            council.MeetingText("council", date(2012, 5, 3), "Polisens råd", "", {}),
        )
        meeting_id, plan_id = meeting.id, own_plan.id
    kramfors = client_for(app, "kramfors", "samordnare")
    assert kramfors.get(f"/meetings/{meeting_id}/edit").status_code == 404
    assert kramfors.get(f"/meetings/{meeting_id}/remove").status_code == 404
    assert kramfors.get(f"/plans/{plan_id}/meetings").status_code == 404
    assert post(kramfors, f"/meetings/{meeting_id}/remove", version=1).status_code == 404


def test_a_wrong_number_of_attendees_is_refused_in_place(app):
    coordinator = client_for(app, "kramfors", "samordnare")
    police = org_id(app, "polisen")
    refused = post(
        coordinator,
        "/plans/1/meetings/new",
        **meeting_form(app, **{f"attendees-{police}": "200"}),
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Skriv hur många som kom från Polisen" in html
    assert f'id="attendees-{police}-error"' in html and 'value="200"' in html
    unticked = post(
        coordinator, "/plans/1/meetings/new", **meeting_form(app, **{f"attendees-{police}": "2"})
    )
    assert unticked.status_code == 422
    assert "Kryssa i att Polisen" in unticked.get_data(as_text=True)
    future = post(coordinator, "/plans/1/meetings/new", **meeting_form(app, held_on="2099-05-20"))
    assert future.status_code == 422 and "framtiden" in future.get_data(as_text=True)


def test_an_identity_number_is_refused_until_confirmed(app):
    coordinator = client_for(app, "kramfors", "samordnare")
    text = "Ärendet 19121212-1212 lämnas till socialtjänsten."
    refused = post(coordinator, "/plans/1/meetings/new", **meeting_form(app, decisions=text))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "19121212-1212" in html and 'name="confirm_no_personal_data"' in html
    confirmed = post(
        coordinator,
        "/plans/1/meetings/new",
        **meeting_form(app, decisions=text, confirm_no_personal_data="y"),
    )
    assert confirmed.status_code == 303


def test_from_a_round_the_meeting_comes_filled_in_and_the_round_lists_it(app):
    with app.app_context():
        rnd = rounds.open_round(
            demo_user("kramfors", "samordnare"),
            seed_plan(),
            RoundKind.ANNUAL_EVALUATION,
            "Årlig utvärdering maj 2012",
            date(2012, 5, 15),
        )
        round_id = rnd.id
    coordinator = client_for(app, "kramfors", "samordnare")
    round_page = coordinator.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert f'href="/plans/1/meetings/new?round={round_id}"' in round_page
    assert "Anteckna mötet" in round_page
    form = coordinator.get(f"/plans/1/meetings/new?round={round_id}").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="council"', form)
    assert 'value="2012-05-15"' in form and 'value="Årlig utvärdering maj 2012"' in form
    assert f'name="round_id" type="hidden" value="{round_id}"' in form
    saved = post(
        coordinator,
        "/plans/1/meetings/new",
        **meeting_form(app, held_on="2012-05-15", title="Årlig utvärdering maj 2012"),
        round_id=round_id,
    )
    assert saved.status_code == 303
    round_page = coordinator.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "Antecknat:" in round_page and "15 maj 2012" in round_page


def test_removing_a_meeting_asks_first(app):
    meeting_id = recorded(app)
    coordinator = client_for(app, "solleftea", "samordnare")
    confirm = coordinator.get(f"/meetings/{meeting_id}/remove")
    assert confirm.status_code == 200 and "Ta bort mötet" in confirm.get_data(as_text=True)
    assert post(coordinator, f"/meetings/{meeting_id}/remove", version=99).status_code == 409
    removed = post(coordinator, f"/meetings/{meeting_id}/remove", version=1)
    assert removed.status_code == 303
    with app.app_context():
        assert db.session.get(CouncilMeeting, meeting_id) is None


def test_an_ended_plans_meetings_are_closed_for_changes(app):
    meeting_id = recorded(app)
    with app.app_context():
        content.copy_plan(
            demo_user("kramfors", "samordnare"), seed_plan(), title="Nästa plan", period_start=2014
        )
    coordinator = client_for(app, "kramfors", "samordnare")
    refused = post(
        coordinator,
        f"/meetings/{meeting_id}/edit",
        **meeting_form(app, title="Sent tillägg"),
        version=1,
    )
    assert refused.status_code == 403
    html = refused.get_data(as_text=True)
    assert "stängd för ändringar" in html and 'value="Sent tillägg"' in html


def test_the_demo_year_has_its_meetings(app):
    with app.app_context():
        demo.load_demo_history()
        meetings = db.session.execute(
            select(CouncilMeeting).order_by(CouncilMeeting.held_on)
        ).scalars()
        found = [(m.body, m.held_on.month, m.round_id is not None) for m in meetings]
        assert sorted(found, key=lambda m: m[1]) == sorted(
            [
                (CouncilBody.WORKING_GROUP, 4, True),
                (CouncilBody.COUNCIL, 5, False),
                (CouncilBody.WORKING_GROUP, 10, True),
            ],
            key=lambda m: m[1],
        )
        summary = council.summary(seed_plan(), council.newest_year(seed_plan()))
        assert summary.decisions and any(line.people for line in summary.attendance)


def test_through_htmx_a_recorded_meeting_sends_the_browser_to_the_list(app):
    coordinator = client_for(app, "kramfors", "samordnare")
    answer = coordinator.post(
        "/plans/1/meetings/new",
        data={"csrf_token": Auth(coordinator).csrf_token("/plans/1"), **meeting_form(app)},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert answer.headers["HX-Redirect"].startswith("/plans/1/meetings?year=2012#meeting-")
    fragment = coordinator.get("/plans/1/meetings?year=2012", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and 'id="meeting-list"' in html and "Rådsmöte maj" in html
