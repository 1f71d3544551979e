"""The joint lägesbild: written together part by part, agreed by each organisation, fixed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import Auth
from tests.factories import assignment, demo_user, seed_plan
from tests.web.test_content import client_for, post
from workspace.extensions import db
from workspace.models import Activity, Area, Problem, SituationPart, SituationPicture
from workspace.services import situation


def started(app) -> int:
    with app.app_context():
        plan = seed_plan()
        return situation.start(demo_user("kramfors", "samordnare"), plan, plan.period_start).id


def section_version(app, picture_id: int, part=SituationPart.MAPPING) -> int:
    with app.app_context():
        return db.session.get(SituationPicture, picture_id).section(part).version


def content_version(app, picture_id: int) -> int:
    with app.app_context():
        return db.session.get(SituationPicture, picture_id).content_version


def test_a_coordinator_starts_the_years_picture_once(app):
    coordinator = client_for(app, "kramfors", "samordnare")
    year = 2011
    first = post(coordinator, "/plans/1/situation", year=str(year))
    assert first.status_code == 303
    page = coordinator.get(first.headers["Location"]).get_data(as_text=True)
    assert "Kartläggning" in page and "Annan relevant information" in page
    assert "Analys, med orsaker" in page
    again = post(coordinator, "/plans/1/situation", year=str(year))
    assert again.status_code == 422


def test_a_member_writes_a_part_and_a_stale_save_answers_409_with_both_texts(app):
    picture_id = started(app)
    path = f"/situation/{picture_id}/sections/mapping"
    seen = section_version(app, picture_id)
    member = client_for(app, "kramfors", "handlaggare")
    other = client_for(app, "solleftea", "handlaggare")
    saved = post(member, path, body="Våldet i centrum ökar kring krogstängning.", version=seen)
    assert saved.status_code == 303
    stale = post(other, path, body="Min egen text om tillgreppsbrott.", version=seen)
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Våldet i centrum ökar kring krogstängning." in html  # theirs
    assert "Min egen text om tillgreppsbrott." in html  # mine, kept
    fragment = other.post(
        path,
        data={"csrf_token": Auth(other).csrf_token("/plans/1"), "body": "Igen", "version": seen},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 409 and "<html" not in fragment.get_data(as_text=True)


def test_an_identity_number_is_refused_until_confirmed(app):
    picture_id = started(app)
    member = client_for(app, "kramfors", "handlaggare")
    path = f"/situation/{picture_id}/sections/other"
    body = "Gäller 19121212-1212 enligt polisen."
    refused = post(
        member, path, body=body, version=section_version(app, picture_id, SituationPart.OTHER)
    )
    assert refused.status_code == 422
    assert "19121212-1212" in refused.get_data(as_text=True)


def test_an_edit_withdraws_the_agreements_and_the_page_says_so(app):
    picture_id = started(app)
    kramfors = client_for(app, "kramfors", "samordnare")
    assert (
        post(
            kramfors,
            f"/situation/{picture_id}/agree",
            content_version=content_version(app, picture_id),
        ).status_code
        == 303
    )
    page = kramfors.get(f"/situation/{picture_id}").get_data(as_text=True)
    assert "står bakom version 1" in page
    assert "Din organisation står bakom den här versionen." in page
    assert "Vi står bakom lägesbilden" not in page
    post(
        kramfors,
        f"/situation/{picture_id}/sections/analysis",
        body="Orsaker: alkohol.",
        version=section_version(app, picture_id, SituationPart.ANALYSIS),
    )
    with app.app_context():
        picture = db.session.get(SituationPicture, picture_id)
        assert not any(line.current for line in situation.agreement_lines(picture))
    page = kramfors.get(f"/situation/{picture_id}").get_data(as_text=True)
    assert "stod bakom version 1" in page and "återkallat" in page
    assert "Vi står bakom lägesbilden" in page  # the new version asks again


def _agree_all(app, picture_id: int) -> None:
    for org in ("kramfors", "solleftea", "polisen"):
        client = client_for(app, org, "samordnare")
        answer = post(
            client,
            f"/situation/{picture_id}/agree",
            content_version=content_version(app, picture_id),
        )
        assert answer.status_code == 303, org


def test_fixing_only_when_every_organisation_agreed_and_then_locked(app):
    picture_id = started(app)
    coordinator = client_for(app, "kramfors", "samordnare")
    fix = f"/situation/{picture_id}/fix"
    early = post(coordinator, fix, content_version=content_version(app, picture_id))
    assert early.status_code == 422
    _agree_all(app, picture_id)
    assert (
        post(coordinator, fix, content_version=content_version(app, picture_id)).status_code == 303
    )
    member = client_for(app, "solleftea", "handlaggare")
    locked = post(
        member,
        f"/situation/{picture_id}/sections/mapping",
        body="Sent tillägg",
        version=section_version(app, picture_id),
    )
    assert locked.status_code == 409
    assert "Sent tillägg" in locked.get_data(as_text=True)


def test_a_viewer_reads_but_may_not_write(app):
    picture_id = started(app)
    viewer = client_for(app, "kramfors", "lasare")
    assert viewer.get(f"/situation/{picture_id}").status_code == 200
    refused = post(viewer, f"/situation/{picture_id}/sections/mapping", body="x", version="1")
    assert refused.status_code == 403


def test_another_tenant_does_not_see_it(app):
    picture_id = started(app)
    from workspace.models import OrganisationKind, Role
    from workspace.services import users
    from workspace.services.organisations import ensure_organisation

    with app.app_context():
        org = ensure_organisation("harnosand", "Härnösands kommun", OrganisationKind.TENANT)
        users.create_user(
            org,
            email="a@harnosand.example",
            name="Utomstående",
            role=Role.ADMIN,
            password="ett långt lösenord 123",
        )
        db.session.commit()
    outsider = app.test_client()
    Auth(outsider).login("harnosand", "a@harnosand.example", password="ett långt lösenord 123")
    assert outsider.get(f"/situation/{picture_id}").status_code == 404


def _activity(area: int, position: int) -> Activity:
    return db.session.execute(
        select(Activity)
        .join(Area)
        .where(Area.plan_id == seed_plan().id, Area.position == area)
        .where(Activity.position == position)
    ).scalar_one()


def _problem_of(app, picture_id: int, index: int = 0):
    with app.app_context():
        problem = db.session.get(SituationPicture, picture_id).problems[index]
        return problem.id, problem.links_version


def test_problem_links_show_on_the_activity_page(app):
    picture_id = started(app)
    with app.app_context():
        activity = assignment("kramfors", "ION", 1, 3).activity
        activity_id, area_id = activity.id, activity.area_id
    member = client_for(app, "kramfors", "handlaggare")
    saved = post(
        member,
        f"/situation/{picture_id}/problems",
        title="Våld i offentlig miljö kring krogstängning",
        description="Helgnätter i centrum.",
    )
    # A member names it; the coordinators decide what addresses it.
    assert saved.status_code == 303 and saved.headers["Location"].endswith("#problem-1")
    problem_id, links_version = _problem_of(app, picture_id)
    assert member.get(f"/problems/{problem_id}/links").status_code == 403
    coordinator = client_for(app, "solleftea", "samordnare")
    linked = post(
        coordinator,
        f"/problems/{problem_id}/links",
        areas=str(area_id),
        activities=str(activity_id),
        links_version=str(links_version),
    )
    assert linked.status_code == 303
    page = member.get(f"/activities/{activity_id}").get_data(as_text=True)
    assert "Våld i offentlig miljö kring krogstängning" in page


def _links(app, problem_id: int) -> list[str]:
    with app.app_context():
        problem = db.session.get(Problem, problem_id)
        return [a.title for a in problem.activities]


def test_links_stay_open_once_fixed_and_withdraw_no_agreement(app):
    picture_id = started(app)
    coordinator = client_for(app, "kramfors", "samordnare")
    post(coordinator, f"/situation/{picture_id}/problems", title="Klotter vid torget")
    problem_id, links_version = _problem_of(app, picture_id)
    _agree_all(app, picture_id)
    assert (
        post(
            coordinator,
            f"/situation/{picture_id}/fix",
            content_version=content_version(app, picture_id),
        ).status_code
        == 303
    )
    with app.app_context():
        activity = assignment("kramfors", "ION", 1, 3).activity
        activity_id, activity_title = activity.id, activity.title
    # The text is fixed ...
    assert post(coordinator, f"/problems/{problem_id}", title="Ny", version="1").status_code == 409
    page = coordinator.get(f"/situation/{picture_id}").get_data(as_text=True)
    assert f'href="/problems/{problem_id}/links"' in page
    # ... what addresses it is not, and the agreements stand.
    linked = post(
        coordinator,
        f"/problems/{problem_id}/links",
        activities=str(activity_id),
        links_version=str(links_version),
    )
    assert linked.status_code == 303
    assert _links(app, problem_id) == [activity_title]
    with app.app_context():
        picture = db.session.get(SituationPicture, picture_id)
        assert situation.all_agreed(picture)
    page = coordinator.get(f"/situation/{picture_id}").get_data(as_text=True)
    assert activity_title in page and "återkallat" not in page


def test_two_coordinators_linking_at_once_the_later_sees_both_choices(app):
    picture_id = started(app)
    with app.app_context():
        first, second = _activity(1, 3), _activity(1, 2)
        first_id, first_title = first.id, first.title
        second_id, second_title = second.id, second.title
    kramfors = client_for(app, "kramfors", "samordnare")
    post(kramfors, f"/situation/{picture_id}/problems", title="Klotter")
    problem_id, seen = _problem_of(app, picture_id)
    solleftea = client_for(app, "solleftea", "samordnare")
    path = f"/problems/{problem_id}/links"
    first_save = post(kramfors, path, activities=str(first_id), links_version=str(seen))
    assert first_save.status_code == 303
    stale = post(solleftea, path, activities=str(second_id), links_version=str(seen))
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Någon annan ändrade" in html
    now = html.split("Nu:")[1].split("</p>")[0]
    assert first_title in now  # theirs
    assert f'value="{second_id}" checked' in html  # mine, kept
    assert f'value="{first_id}" checked' not in html
    assert _links(app, problem_id) == [first_title]
    again = post(solleftea, path, activities=str(second_id), links_version=str(seen + 1))
    assert again.status_code == 303 and _links(app, problem_id) == [second_title]


def test_starting_the_next_year_carries_the_problems_over_with_their_links(app):
    from workspace.services import content

    with app.app_context():
        plan = seed_plan()
        coordinator = demo_user("kramfors", "samordnare")
        earlier = situation.start(coordinator, plan, 2025)
        kept, archived = _activity(1, 3), _activity(1, 2)
        kept_title = kept.title
        for title in ("Våld kring krogstängning", "Klotter vid torget"):
            problem = situation.add_problem(
                coordinator, earlier, situation.ProblemText(title, "Helgnätter.")
            )
            situation.link_problem(coordinator, problem, {kept.area_id}, {kept.id, archived.id}, 1)
        content.archive_activity(coordinator, archived)
        earlier_id, earlier_problem = earlier.id, earlier.problems[0].id
    client = client_for(app, "kramfors", "samordnare")
    start_page = client.get("/plans/1/situation").get_data(as_text=True)
    assert "Problemen från lägesbild 2025 förs över" in start_page
    started_page = post(client, "/plans/1/situation", year="2026")
    assert started_page.status_code == 303
    page = client.get(started_page.headers["Location"]).get_data(as_text=True)
    assert "Våld kring krogstängning" in page and "Klotter vid torget" in page
    assert "Förd över från lägesbild 2025" in page
    assert f'href="/situation/{earlier_id}#problem-{earlier_problem}"' in page
    with app.app_context():
        (new, old) = situation.pictures_of(seed_plan())
        assert [p.title for p in new.problems] == ["Våld kring krogstängning", "Klotter vid torget"]
        assert [p.carried_from_id for p in new.problems] == [p.id for p in old.problems]
        # What was archived is no measure any more.
        assert [[a.title for a in p.activities] for p in new.problems] == [[kept_title]] * 2
        assert all(len(p.activities) == 2 for p in old.problems)
        assert new.content_version == 1 and not new.agreements


@pytest.mark.parametrize("org", ["kramfors"])
def test_a_stale_problem_edit_answers_409(app, org):
    picture_id = started(app)
    member = client_for(app, org, "handlaggare")
    post(member, f"/situation/{picture_id}/problems", title="Klotter")
    with app.app_context():
        problem = db.session.get(SituationPicture, picture_id).problems[0]
        problem_id, version = problem.id, problem.version
    assert (
        post(
            member, f"/problems/{problem_id}", title="Klotter i centrum", version=str(version)
        ).status_code
        == 303
    )
    stale = post(member, f"/problems/{problem_id}", title="Min version", version=str(version))
    assert stale.status_code == 409
    assert "Min version" in stale.get_data(as_text=True)


def test_an_internal_comment_stays_in_its_organisation(app):
    picture_id = started(app)
    kramfors = client_for(app, "kramfors", "handlaggare")
    posted = post(
        kramfors,
        f"/situation/{picture_id}/comments",
        body="Internt: vi behöver fler siffror.",
        visibility="internal",
    )
    assert posted.status_code == 303
    post(
        kramfors,
        f"/situation/{picture_id}/comments",
        body="Delat: bra utkast.",
        visibility="shared",
    )
    own = kramfors.get(f"/situation/{picture_id}").get_data(as_text=True)
    assert "Internt: vi behöver fler siffror." in own
    other = client_for(app, "solleftea", "handlaggare")
    page = other.get(f"/situation/{picture_id}").get_data(as_text=True)
    assert "Delat: bra utkast." in page
    assert "Internt: vi behöver fler siffror." not in page
    poll = other.get(f"/situation/{picture_id}/updates?comments=0").get_data(as_text=True)
    assert "Internt" not in poll
    with app.app_context():
        picture = db.session.get(SituationPicture, picture_id)
        assert situation.pictures_of(picture.plan)
    general = other.get("/plans/1/discussion").get_data(as_text=True)
    assert "Delat: bra utkast." not in general


def test_the_demo_has_last_years_picture_partly_agreed(app):
    from workspace.services import demo

    with app.app_context():
        demo.load_demo_history()
        (picture,) = situation.pictures_of(seed_plan())
        assert all(picture.section(part).body for part in SituationPart)
        assert [f.value for f in picture.section(SituationPart.MAPPING).cited_facts] == [412, 57]
        assert [len(p.activities) > 0 for p in picture.problems] == [True, True, True]
        assert sum(line.current for line in situation.agreement_lines(picture)) == 2
        assert not picture.is_fixed


def test_the_gap_view_shows_both_failure_modes(app):
    from workspace.services import demo

    with app.app_context():
        demo.load_demo_history()
    viewer = client_for(app, "polisen", "lasare")
    page = viewer.get("/plans/1/gaps").get_data(as_text=True)
    assert "Aktiviteter som inte är kopplade till något problem" in page
    # Linked in the demo's lägesbild, so not among the unlinked.
    unlinked = page.split("Aktiviteter som inte är kopplade till något problem")[1].split(
        "</section>"
    )[0]
    assert "Gemensamma kontroller av krogar med serveringstillstånd" not in unlinked
    assert "Mötesplats för utstötta människor." in unlinked
