"""Coordinators edit the plan's content; archived content keeps its history."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import Auth, csrf_token_from
from tests.factories import PASSWORD, assignment, outside_tenant
from workspace.extensions import db
from workspace.models import (
    Activity,
    Area,
    Assignment,
    AssignmentStatus,
    Function,
    Organisation,
    Plan,
    Role,
)


def client_for(app, org: str, local_part: str):
    client = app.test_client()
    Auth(client).login(org, local_part)
    return client


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": Auth(client).csrf_token("/plans/1"), **data})


def function_id(app, org: str, code: str) -> int:
    with app.app_context():
        return db.session.execute(
            select(Function.id)
            .join(Organisation)
            .where(Organisation.slug == org, Function.code == code)
        ).scalar_one()


def area_titles(client) -> list[str]:
    html = client.get("/plans/1").get_data(as_text=True)
    return re.findall(
        r'<h2 id="area-\d+-title"><span class="area__number">\d+</span> ([^<]+)</h2>', html
    )


@pytest.fixture
def coordinator(app):
    return client_for(app, "kramfors", "samordnare")


@pytest.mark.parametrize("local_part", ["lasare", "handlaggare"])
def test_only_coordinators_edit_the_plan(app, local_part):
    client = client_for(app, "kramfors", local_part)
    assert client.get("/plans/1/content").status_code == 403
    assert post(client, "/plans/1/content", title="Nytt").status_code == 403
    assert post(client, "/activities/1/edit", title="x", goal="y").status_code == 403
    assert "Redigera planens innehåll" not in client.get("/plans/1").get_data(as_text=True)


def test_adding_renaming_and_moving_areas(app, coordinator):
    assert post(coordinator, "/plans/1/content", title="Trafiksäkerhet").status_code == 303
    assert area_titles(coordinator)[-1] == "Trafiksäkerhet"
    duplicate = post(coordinator, "/plans/1/content", title="Tryggt centrum")
    assert (
        duplicate.status_code == 422
        and "redan ett område med den rubriken" in duplicate.get_data(as_text=True)
    )
    with app.app_context():
        new_area = (
            db.session.execute(select(Area).where(Area.title == "Trafiksäkerhet")).scalar_one().id
        )
    post(coordinator, f"/areas/{new_area}/move", direction="up")
    assert area_titles(coordinator)[-2:] == ["Trafiksäkerhet", "Våld i nära relationer"]
    post(coordinator, f"/areas/{new_area}/title", title="Trafik och ordning")
    assert "Trafik och ordning" in area_titles(coordinator)
    assert post(coordinator, f"/areas/{new_area}/move", direction="sideways").status_code == 400


def test_adding_an_activity_with_responsible_functions(app, coordinator):
    ion_s, ion_k = function_id(app, "solleftea", "ION"), function_id(app, "kramfors", "ION")
    response = post(
        coordinator,
        "/areas/2/activities/new",
        title="Trygghetsvandringar",
        goal="Minst två vandringar per år",
        functions=[str(ion_s), str(ion_k)],
    )
    assert response.status_code == 303
    html = coordinator.get("/plans/1?area=2").get_data(as_text=True)
    assert "Trygghetsvandringar" in html and "Minst två vandringar per år" in html
    with app.app_context():
        activity = db.session.execute(
            select(Activity).where(Activity.title == "Trygghetsvandringar")
        ).scalar_one()
        assert {a.function.organisation.slug for a in activity.assignments} == {
            "solleftea",
            "kramfors",
        }
        assert all(a.status is AssignmentStatus.NOT_STARTED for a in activity.assignments)
    missing = post(coordinator, "/areas/2/activities/new", title="X", goal="Y")
    assert missing.status_code == 422 and "Välj minst en ansvarig funktion." in missing.get_data(
        as_text=True
    )


def test_changing_responsibility_archives_and_restores_assignments_with_history(app, coordinator):
    # Activity 1.3: ION in both municipalities, with history.
    ion_s, ion_k = function_id(app, "solleftea", "ION"), function_id(app, "kramfors", "ION")
    polis = function_id(app, "polisen", "Polis")
    with app.app_context():
        kramfors_ion = assignment("kramfors", "ION", 1, 3).id
    response = post(
        coordinator,
        "/activities/3/edit",
        title="Utbildning för krogägare",
        goal="En gång per år.",
        functions=[str(ion_s), str(polis)],
    )
    assert response.status_code == 303
    with app.app_context():
        activity = db.session.get(Activity, 3)
        assert sorted(
            (a.function.organisation.slug, a.archived_at is None) for a in activity.assignments
        ) == [("kramfors", False), ("polisen", True), ("solleftea", True)]
        assert db.session.get(Assignment, kramfors_ion).archived_at is not None
    page = coordinator.get("/activities/3").get_data(as_text=True)
    assert "Deltog i den gemensamma utbildningen." in page  # Kramfors' history stays
    chips = re.findall(
        r'data-assignment-id="(\d+)"', page[page.index("<tbody>") : page.index("</tbody>")]
    )
    assert str(kramfors_ion) not in chips
    # Kramfors ION is out of the plan: nobody may report on it.
    member = client_for(app, "kramfors", "handlaggare")
    assert member.get(f"/assignments/{kramfors_ion}/status/edit").status_code == 403
    # Put back, it returns with its status and history.
    post(
        coordinator,
        "/activities/3/edit",
        title="Utbildning för krogägare",
        goal="En gång per år.",
        functions=[str(ion_s), str(ion_k), str(polis)],
    )
    with app.app_context():
        back = db.session.get(Assignment, kramfors_ion)
        assert back.archived_at is None and back.status is AssignmentStatus.DONE


def test_archiving_an_activity_needs_confirmation_and_keeps_its_page(app, coordinator):
    page = coordinator.get("/activities/2/archive").get_data(as_text=True)
    assert "Arkivera ”Oplanerade besök på krogarna av polispatruller”?" in page
    assert (
        coordinator.post(
            "/activities/2/archive", data={"csrf_token": csrf_token_from(page)}
        ).status_code
        == 422
    )
    assert (
        coordinator.post(
            "/activities/2/archive", data={"csrf_token": csrf_token_from(page), "confirm": "y"}
        ).status_code
        == 303
    )
    overview = coordinator.get("/plans/1").get_data(as_text=True)
    assert (
        "Oplanerade besök på krogarna" not in overview
        and "25 aktiviteter, 61 åtaganden" in overview
    )
    archived = coordinator.get("/activities/2").get_data(as_text=True)
    assert "Aktiviteten är arkiverad" in archived and "Färre besök än planerat" in archived
    assert "chip--button" not in archived  # nothing to report on


def test_archiving_an_area_takes_its_activities_out(app, coordinator):
    page = coordinator.get("/areas/5/archive").get_data(as_text=True)
    coordinator.post("/areas/5/archive", data={"csrf_token": csrf_token_from(page), "confirm": "y"})
    assert "Grov organiserad brottslighet" not in area_titles(coordinator)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(Assignment.id)).where(Assignment.archived_at.is_not(None))
            )
            == 3  # Polis and ION in both municipalities
        )


def test_starting_the_next_plan_copies_content_and_resets_statuses(app, coordinator):
    page = coordinator.get("/plans/1/copy").get_data(as_text=True)
    assert 'value="2014"' in page  # the year after the plan ends
    response = coordinator.post(
        "/plans/1/copy",
        data={
            "csrf_token": csrf_token_from(page),
            "title": "Handlingsplan 2014–2016",
            "period_start": "2014",
        },
    )
    assert response.status_code == 303
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        new_plan = db.session.get(Plan, new_id)
        assert new_plan.period_label == "2014–2016"
        assert {o.slug for o in new_plan.participants} == {"solleftea", "kramfors", "polisen"}
        statuses = (
            db.session.execute(
                select(Assignment.status).join(Activity).join(Area).where(Area.plan_id == new_id)
            )
            .scalars()
            .all()
        )
        assert len(statuses) == 62 and set(statuses) == {AssignmentStatus.NOT_STARTED}
        # The old plan keeps its statuses.
        assert assignment("kramfors", "ION", 1, 3).status is AssignmentStatus.DONE
    html = coordinator.get(f"/plans/{new_id}").get_data(as_text=True)
    assert "26 aktiviteter, 62 åtaganden" in html
    assert '<span class="counts__number">62</span> Ej påbörjad' in html
    # Both plans are now the organisation's: the start page lists them.
    assert coordinator.get("/").headers["Location"] == "/plans"


def test_other_tenants_cannot_reach_the_editor(app):
    with app.app_context():
        email = outside_tenant(role=Role.COORDINATOR).email
    outsider = app.test_client()
    Auth(outsider).login("harnosand", email, PASSWORD)
    for path in ("/plans/1/content", "/activities/1/edit", "/areas/1/archive", "/plans/1/copy"):
        assert outsider.get(path).status_code == 404, path
