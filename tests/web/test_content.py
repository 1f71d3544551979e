"""Coordinators edit the plan's content; archived content keeps its history."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import Auth, csrf_token_from
from tests.factories import PASSWORD, assignment, demo_user, outside_tenant
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
    page = coordinator.get("/plans/1/content").get_data(as_text=True)
    assert rename(coordinator, new_area, page, "Trafik och ordning").status_code == 303
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
        version=version_in(coordinator.get("/activities/3/edit").get_data(as_text=True)),
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
        version=version_in(coordinator.get("/activities/3/edit").get_data(as_text=True)),
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


# --- Two coordinators editing the same content --------------------------------------------

COORDINATORS = [("kramfors", "samordnare"), ("solleftea", "samordnare")]


def version_in(html: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d*)"', html).group(1)


def input_value(html: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html).group(1)


def goal_typed(html: str) -> str:
    return re.search(r'<textarea[^>]*name="goal"[^>]*>(.*?)</textarea>', html, re.S).group(1)


def checked_functions(html: str) -> list[str]:
    return re.findall(r'name="functions" value="(\d+)" checked', html)


def save_activity(client, page: str, title: str, goal: str, functions: list[str]):
    """Send the activity form as it was on `page`, with these fields filled in."""
    return client.post(
        "/activities/3/edit",
        data={
            "csrf_token": csrf_token_from(page),
            "version": version_in(page),
            "title": title,
            "goal": goal,
            "functions": functions,
        },
    )


def saved_activity(app) -> tuple[str, str, set[int]]:
    with app.app_context():
        activity = db.session.get(Activity, 3)
        return activity.title, activity.goal, {a.function_id for a in activity.current_assignments}


@pytest.mark.parametrize("first", [0, 1], ids=["kramfors-first", "solleftea-first"])
def test_the_second_of_two_activity_edits_sees_the_first_instead_of_overwriting_it(app, first):
    order = [COORDINATORS[first], COORDINATORS[1 - first]]
    clients = [client_for(app, *who) for who in order]
    pages = [c.get("/activities/3/edit").get_data(as_text=True) for c in clients]
    functions = checked_functions(pages[0])
    polis = str(function_id(app, "polisen", "Polis"))
    saved = save_activity(
        clients[0],
        pages[0],
        "Utbildning i ansvarsfull alkoholservering",
        "Två gånger per år.",
        functions,
    )
    assert saved.status_code == 303

    conflict = save_activity(
        clients[1], pages[1], "Krogutbildning", "Varje vår.", [*functions, polis]
    )
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    with app.app_context():
        author = demo_user(*order[0])
        assert f"Sparad av {author.name}, {author.organisation.name}, i dag" in html
    # Theirs, as saved, and mine, still in the form.
    assert "Utbildning i ansvarsfull alkoholservering" in html and "Två gånger per år." in html
    assert (
        input_value(html, "title") == "Krogutbildning" and goal_typed(html).strip() == "Varje vår."
    )
    assert polis in checked_functions(html)
    assert "Spara min ändring ändå" in html
    assert saved_activity(app)[:2] == (
        "Utbildning i ansvarsfull alkoholservering",
        "Två gånger per år.",
    )

    anyway = save_activity(clients[1], html, "Krogutbildning", "Varje vår.", [*functions, polis])
    assert anyway.status_code == 303
    title, goal, responsible = saved_activity(app)
    assert (title, goal) == ("Krogutbildning", "Varje vår.") and int(polis) in responsible


def test_changing_only_the_responsible_functions_is_a_change_too(app):
    clients = [client_for(app, *who) for who in COORDINATORS]
    pages = [c.get("/activities/3/edit").get_data(as_text=True) for c in clients]
    title, goal = input_value(pages[0], "title"), goal_typed(pages[0]).strip()
    functions = checked_functions(pages[0])
    polis = str(function_id(app, "polisen", "Polis"))
    assert save_activity(clients[0], pages[0], title, goal, [*functions, polis]).status_code == 303
    # The other coordinator, unaware, takes one function off: that would drop the police.
    late = save_activity(clients[1], pages[1], title, goal, functions[:1])
    assert late.status_code == 409
    assert int(polis) in saved_activity(app)[2]


def rename(client, area_id: int, page: str, title: str):
    form = page[page.index(f'action="/areas/{area_id}/title"') :]
    return client.post(
        f"/areas/{area_id}/title",
        data={"csrf_token": csrf_token_from(page), "version": version_in(form), "title": title},
    )


@pytest.mark.parametrize("first", [0, 1], ids=["kramfors-first", "solleftea-first"])
def test_the_second_of_two_area_renames_sees_the_first(app, first):
    order = [COORDINATORS[first], COORDINATORS[1 - first]]
    clients = [client_for(app, *who) for who in order]
    pages = [c.get("/plans/1/content").get_data(as_text=True) for c in clients]
    assert rename(clients[0], 1, pages[0], "Alkohol och krogar").status_code == 303

    conflict = rename(clients[1], 1, pages[1], "Krogmiljön")
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    with app.app_context():
        author = demo_user(*order[0])
        assert f"Sparad av {author.name}, {author.organisation.name}, i dag" in html
        assert db.session.get(Area, 1).title == "Alkohol och krogar"
    assert "Alkohol och krogar" in html
    assert input_value(html[html.index('action="/areas/1/title"') :], "title") == "Krogmiljön"

    assert rename(clients[1], 1, html, "Krogmiljön").status_code == 303
    with app.app_context():
        assert db.session.get(Area, 1).title == "Krogmiljön"


def test_moving_an_area_does_not_make_an_open_rename_stale(app, coordinator):
    page = coordinator.get("/plans/1/content").get_data(as_text=True)
    assert post(coordinator, "/areas/1/move", direction="down").status_code == 303
    assert rename(coordinator, 1, page, "Alkohol och krogar").status_code == 303


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/areas/1/title", {"title": "Utan version"}),
        ("/activities/3/edit", {"title": "Utan version", "goal": "Mål", "functions": ["1"]}),
    ],
)
def test_a_content_edit_without_its_version_is_refused_not_saved(app, coordinator, path, data):
    response = post(coordinator, path, **data)
    assert response.status_code == 422 and "Utan version" in response.get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalar(
            select(func.count(Activity.id)).where(Activity.title == "Utan version")
        )
        assert db.session.get(Area, 1).title != "Utan version"
