"""Inline status editing: who may, the fragments, history, conflicts, errors and the poll."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import Auth, csrf_token_from
from tests.factories import PASSWORD, assignment, outside_tenant
from workspace.extensions import db
from workspace.models import Assignment, AssignmentStatus, AuditEvent, StatusChange

HX = {"HX-Request": "true"}


def ids(app, org: str, code: str, area: int, activity: int) -> tuple[int, int]:
    """(assignment id, version) of a seed-plan assignment."""
    with app.app_context():
        target = assignment(org, code, area, activity)
        return target.id, target.version


def state(app, assignment_id: int) -> tuple[AssignmentStatus, int, int]:
    """(status, version, number of history rows) of an assignment."""
    with app.app_context():
        target = db.session.get(Assignment, assignment_id)
        history = db.session.scalar(
            select(func.count(StatusChange.id)).where(StatusChange.assignment_id == assignment_id)
        )
        return target.status, target.version, history


def save(
    client,
    assignment_id: int,
    version: int,
    status="done",
    note="",
    next="/plans/1",
    headers=HX,
    token: str | None = None,
):
    if token is None:
        page = client.get(f"/assignments/{assignment_id}/status/edit?next={next}", headers=headers)
        token = (
            csrf_token_from(page.get_data(as_text=True))
            if page.status_code == 200
            else Auth(client).csrf_token("/plans/1")
        )
    return client.post(
        f"/assignments/{assignment_id}/status",
        data={
            "csrf_token": token,
            "status": status,
            "note": note,
            "version": version,
            "next": next,
        },
        headers=headers,
    )


@pytest.fixture
def member(client, auth):
    auth.login("kramfors", "handlaggare")
    return client


# --- Who sees the control, who may save ---------------------------------------------------


@pytest.mark.parametrize(
    ("org", "local_part", "editable"),
    [
        ("kramfors", "lasare", 0),
        ("kramfors", "handlaggare", 17),  # every Kramfors assignment
        ("polisen", "handlaggare", 18),  # every police assignment
        ("polisen", "samordnare", 18 + 9),  # and the nine of partners without logins
        ("solleftea", "admin", 18 + 9),  # Sollefteå's own 18, and the partners
    ],
)
def test_edit_controls_follow_the_policy(client, auth, org, local_part, editable):
    auth.login(org, local_part)
    html = client.get("/plans/1").get_data(as_text=True)
    assert html.count("chip--button") == editable
    assert html.count("data-assignment-id") == 62


@pytest.mark.parametrize(
    ("org", "local_part", "expected"),
    [
        ("kramfors", "lasare", 403),
        ("kramfors", "handlaggare", 200),
        ("kramfors", "samordnare", 200),
        ("kramfors", "admin", 200),
        ("solleftea", "handlaggare", 403),
        ("solleftea", "samordnare", 403),
        ("polisen", "admin", 403),
    ],
)
def test_only_the_owning_organisation_saves(app, client, auth, org, local_part, expected):
    target, version = ids(app, "kramfors", "ION", 1, 3)
    before = state(app, target)
    auth.login(org, local_part)
    response = save(client, target, version, "delayed")
    assert response.status_code == expected
    if expected == 403:
        assert state(app, target) == before
        assert "ansvariga organisationen" in response.get_data(as_text=True)
        edit = client.get(f"/assignments/{target}/status/edit", headers=HX)
        assert edit.status_code == 403
    else:
        assert state(app, target)[0] is AssignmentStatus.DELAYED


@pytest.mark.parametrize(("local_part", "expected"), [("samordnare", 200), ("handlaggare", 403)])
def test_partner_assignments_are_reported_by_coordinators(app, client, auth, local_part, expected):
    target, version = ids(app, "kvinnojouren", "Kvinnojour", 6, 1)
    auth.login("solleftea", local_part)
    assert save(client, target, version, "done").status_code == expected


def test_a_tenant_outside_the_plan_gets_404_and_nothing_changes(app, client, auth):
    target, version = ids(app, "kramfors", "ION", 1, 3)
    before = state(app, target)
    with app.app_context():
        email = outside_tenant().email
    auth.login("harnosand", email, PASSWORD)
    token = auth.csrf_token("/plans")
    assert save(client, target, version, token=token).status_code == 404
    assert client.get(f"/assignments/{target}/status/edit", headers=HX).status_code == 404
    assert client.get(f"/assignments/{target}/status", headers=HX).status_code == 404
    assert state(app, target) == before


# --- The fragments and the page ----------------------------------------------------------


def test_the_edit_form_is_a_fragment_for_htmx_and_a_page_without(app, member):
    target, version = ids(app, "kramfors", "ION", 1, 3)
    fragment = member.get(f"/assignments/{target}/status/edit?next=/plans/1", headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html
    assert f'<form class="status-cell status-form" id="assignment-{target}"' in html
    assert len(re.findall(r"<option ", html)) == 6
    assert f'name="version" type="hidden" value="{version}"' in html
    assert 'name="csrf_token"' in html and "autofocus" in html
    assert 'maxlength="500"' in html
    page = member.get(f"/assignments/{target}/status/edit?next=/plans/1")
    assert "<html" in page.get_data(as_text=True) and "Ny status" in page.get_data(as_text=True)


def test_saving_with_htmx_answers_the_new_chip_and_the_counts(app, member):
    target, version = ids(app, "kramfors", "ION", 1, 3)
    response = save(member, target, version, "delayed", "Kursen flyttad till våren.")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    main = html[: html.index("hx-swap-oob")]
    assert f'id="assignment-{target}"' in main and "Försenad" in main and "autofocus" in main
    assert 'id="plan-counts" hx-swap-oob="outerHTML"' in html
    assert 'id="area-1-counts" hx-swap-oob="outerHTML"' in html
    status, new_version, _ = state(app, target)
    assert status is AssignmentStatus.DELAYED and new_version == version + 1


def test_saving_writes_history_and_audit(app, member):
    target, version = ids(app, "kramfors", "ION", 1, 3)
    _, _, history_before = state(app, target)
    save(member, target, version, "delayed", "Kursen flyttad.")
    with app.app_context():
        change = db.session.execute(
            select(StatusChange).order_by(StatusChange.id.desc()).limit(1)
        ).scalar_one()
        assert (change.assignment_id, change.from_status, change.to_status, change.note) == (
            target,
            AssignmentStatus.DONE,
            AssignmentStatus.DELAYED,
            "Kursen flyttad.",
        )
        assert change.user.email == "handlaggare@kramfors.example"
        event = db.session.execute(
            select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)
        ).scalar_one()
        assert (event.action, event.object_id) == ("assignment.status_changed", target)
    assert state(app, target)[2] == history_before + 1


def test_saving_from_the_activity_page_updates_its_history(app, member):
    target, version = ids(app, "kramfors", "ION", 1, 3)
    with app.app_context():
        activity_id = db.session.get(Assignment, target).activity_id
    html = save(
        member, target, version, "delayed", "Ny tid i mars.", next=f"/activities/{activity_id}"
    )
    body = html.get_data(as_text=True)
    appended = body[body.index('hx-swap-oob="beforeend:#timeline-items"') :]
    assert "Ny tid i mars." in appended
    assert 'id="overall-status" hx-swap-oob="innerHTML"' in body
    assert f'id="assignment-{target}-changed" hx-swap-oob="outerHTML"' in body


def test_saving_without_javascript_redirects_back(app, member):
    target, version = ids(app, "kramfors", "ION", 1, 3)
    response = save(member, target, version, "delayed", headers={}, next="/plans/1?area=1")
    assert response.status_code == 303
    assert response.headers["Location"] == "/plans/1?area=1"
    assert "Statusen är sparad." in member.get("/plans/1?area=1").get_data(as_text=True)


def test_next_never_leaves_the_site(app, member):
    target, version = ids(app, "kramfors", "ION", 1, 3)
    response = save(member, target, version, headers={}, next="https://evil.example/")
    with app.app_context():
        activity_id = db.session.get(Assignment, target).activity_id
    assert response.headers["Location"] == f"/activities/{activity_id}"


def test_cancel_brings_the_chip_back_with_focus(app, member):
    target, _ = ids(app, "kramfors", "ION", 1, 3)
    response = member.get(f"/assignments/{target}/status?next=/plans/1", headers=HX)
    html = response.get_data(as_text=True)
    assert f'id="assignment-{target}"' in html and "chip--button" in html and "autofocus" in html
    plain = member.get(f"/assignments/{target}/status?next=/plans/1")
    assert plain.status_code == 303 and plain.headers["Location"] == "/plans/1"


def test_the_chip_has_an_accessible_name(member):
    html = member.get("/plans/1").get_data(as_text=True)
    assert 'aria-label="Status för ION Kramfors kommun: Genomförd. Ändra"' in html


# --- Conflicts and bad input --------------------------------------------------------------


def test_two_members_editing_at_once_the_second_gets_the_conflict(app, client, auth):
    target, version = ids(app, "kramfors", "ION", 1, 3)
    first = app.test_client()
    Auth(first).login("kramfors", "samordnare")
    auth.login("kramfors", "handlaggare")
    second = client
    # Both open the form on the same version.
    first_form = first.get(f"/assignments/{target}/status/edit?next=/plans/1", headers=HX)
    second_form = second.get(f"/assignments/{target}/status/edit?next=/plans/1", headers=HX)
    assert (
        save(
            first,
            target,
            version,
            "delayed",
            "Först",
            token=csrf_token_from(first_form.get_data(as_text=True)),
        ).status_code
        == 200
    )
    conflict = save(
        second,
        target,
        version,
        "cancelled",
        "Tvåa",
        token=csrf_token_from(second_form.get_data(as_text=True)),
    )
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    assert "Någon annan ändrade statusen" in html
    assert "Anders Öberg" in html and "Försenad" in html  # who set what
    assert "Avbruten" in html and "Tvåa" in html  # what this user tried
    assert f'name="version" value="{version + 1}"' in html
    assert state(app, target)[:2] == (AssignmentStatus.DELAYED, version + 1)
    # One click applies theirs anyway.
    again = save(second, target, version + 1, "cancelled", "Tvåa", token=csrf_token_from(html))
    assert again.status_code == 200
    assert state(app, target)[:2] == (AssignmentStatus.CANCELLED, version + 2)


@pytest.mark.parametrize(
    ("status", "note", "message"),
    [
        ("finished", "", "Inte ett giltigt val"),
        ("", "", "Välj en av statusarna i listan."),
        ("done", "x" * 501, "Kommentaren får vara högst 500 tecken."),
    ],
)
def test_bad_input_answers_422_in_the_form(app, member, status, note, message):
    target, version = ids(app, "kramfors", "ION", 1, 3)
    before = state(app, target)
    response = save(member, target, version, status, note)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'id="assignment-{target}"' in html and "status-form" in html
    assert state(app, target) == before


def test_a_missing_version_is_refused(app, member):
    target, _ = ids(app, "kramfors", "ION", 1, 3)
    token = Auth(member).csrf_token("/plans/1")
    response = member.post(
        f"/assignments/{target}/status", data={"csrf_token": token, "status": "done"}, headers=HX
    )
    assert response.status_code == 422


def test_a_missing_csrf_token_answers_400_with_the_form_kept(app, member):
    target, version = ids(app, "kramfors", "ION", 1, 3)
    before = state(app, target)
    response = member.post(
        f"/assignments/{target}/status",
        data={"status": "delayed", "version": version, "note": "Väntar på svar"},
        headers=HX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Väntar på svar" in html and 'role="alert"' in html and "<html" not in html
    assert state(app, target) == before


def expire_page(client) -> None:
    """The session's CSRF secret is renewed (e.g. it ran out and "keep me logged in" opened
    a new one): every page loaded before carries a token that no longer holds."""
    with client.session_transaction() as session:
        session.pop("csrf_token", None)


def test_an_expired_page_keeps_the_chosen_status_and_note_and_saves_on_retry(app, member):
    target, version = ids(app, "kramfors", "ION", 1, 3)
    before = state(app, target)
    page = member.get(f"/assignments/{target}/status/edit?next=/plans/1", headers=HX)
    old_token = csrf_token_from(page.get_data(as_text=True))
    expire_page(member)
    refused = save(member, target, version, "delayed", "Väntar på krögarnas svar", token=old_token)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "<html" not in html
    assert html.count("Sidan hade gått ut, så inget sparades.") == 1
    assert "Sidan har gått ut" not in html
    assert re.search(r'<option value="delayed" selected>', html)
    assert "Väntar på krögarnas svar</textarea>" in html
    assert 'class="status-cell status-form' in html  # the editor itself, to swap in place
    assert state(app, target) == before
    fresh = csrf_token_from(html)
    assert fresh != old_token
    saved = save(member, target, version, "delayed", "Väntar på krögarnas svar", token=fresh)
    assert saved.status_code == 200
    assert state(app, target)[0] is AssignmentStatus.DELAYED


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_an_expired_page_elsewhere_says_so_once(app, member, headers):
    token = Auth(member).csrf_token("/plans/1")
    expire_page(member)
    response = member.post(
        "/plans/1/rounds",
        data={"csrf_token": token, "kind": "working_group", "due_on": "2012-04-15"},
        headers=headers,
    )
    html = response.get_data(as_text=True).split("</head>")[-1]  # the page, not its title
    assert response.status_code == 400
    assert html.count("Sidan har gått ut") == 1
    assert "Inget sparades. Ladda om sidan och försök igen." in html
    if headers:
        # Out of band into the page's alert box: the form the user typed into stays.
        assert 'id="request-error"' in html and 'hx-swap-oob="outerHTML"' in html


def test_a_server_error_is_shown_in_place(app, member, monkeypatch):
    target, version = ids(app, "kramfors", "ION", 1, 3)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("workspace.web.assignments.change_status", broken)
    response = save(member, target, version, "delayed")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Något gick fel hos oss. Inget sparades." in html and 'role="alert"' in html


# --- Live updates ------------------------------------------------------------------------


def poll_url(html: str) -> str:
    return re.search(r'id="live-poll" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")


def test_an_idle_poll_answers_204(member):
    url = poll_url(member.get("/plans/1").get_data(as_text=True))
    response = member.get(url, headers=HX)
    assert response.status_code == 204 and response.get_data() == b""


def test_the_poll_brings_others_changes(app, client, auth):
    auth.login("kramfors", "lasare")
    url = poll_url(client.get("/plans/1?area=1").get_data(as_text=True))
    assert "area=1" in url
    police = app.test_client()
    Auth(police).login("polisen", "handlaggare")
    target, version = ids(app, "polisen", "Polis", 1, 2)
    assert save(police, target, version, "done", "Ikapp igen.").status_code == 200

    response = client.get(url, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="assignment-{target}" hx-swap-oob="outerMorph"' in html
    assert "Ändrad av Erik Sandberg" in html
    assert "Erik Sandberg (Polisen, Sollefteå närpolisområde) ändrade Polis" in html
    assert 'id="area-1-counts" hx-swap-oob="outerHTML"' in html
    new_url = poll_url(html)
    assert new_url != url and "area=1" in new_url
    assert client.get(new_url, headers=HX).status_code == 204


def test_the_poll_leaves_out_the_users_own_changes(app, member):
    url = poll_url(member.get("/plans/1").get_data(as_text=True))
    target, version = ids(app, "kramfors", "ION", 1, 3)
    save(member, target, version, "delayed")
    html = member.get(url, headers=HX).get_data(as_text=True)
    assert "Ändrad av" not in html and 'id="live-poll"' in html


def test_the_activity_page_polls_too(app, client, auth):
    auth.login("solleftea", "lasare")
    target, version = ids(app, "polisen", "Polis", 1, 2)
    with app.app_context():
        activity_id = db.session.get(Assignment, target).activity_id
    url = poll_url(client.get(f"/activities/{activity_id}").get_data(as_text=True))
    assert client.get(url, headers=HX).status_code == 204
    police = app.test_client()
    Auth(police).login("polisen", "handlaggare")
    save(police, target, version, "done", "Ikapp.")
    html = client.get(url, headers=HX).get_data(as_text=True)
    assert "Ikapp." in html[html.index('hx-swap-oob="beforeend:#timeline-items"') :]


@pytest.mark.parametrize("query", ["", "?since=abc"])
def test_a_poll_without_a_marker_is_a_bad_request(member, query):
    assert member.get(f"/plans/1/updates{query}", headers=HX).status_code == 400


def test_polling_another_tenants_plan_is_404(app, client, auth):
    with app.app_context():
        email = outside_tenant().email
    auth.login("harnosand", email, PASSWORD)
    assert client.get("/plans/1/updates?since=0", headers=HX).status_code == 404
    assert client.get("/activities/1/updates?since=0", headers=HX).status_code == 404


def test_open_pages_poll_every_15_seconds_by_default(member):
    for path in ("/plans/1", "/activities/1"):
        html = member.get(path).get_data(as_text=True)
        assert re.search(r'id="live-poll" hx-get="[^"]+" hx-trigger="every 15s"', html), path


def test_a_nul_byte_in_the_note_is_dropped_not_a_crash(app, member):
    target, version = ids(app, "kramfors", "ION", 1, 3)
    assert save(member, target, version, "delayed", "Före\x00efter").status_code == 200
    with app.app_context():
        change = db.session.execute(
            select(StatusChange).order_by(StatusChange.id.desc()).limit(1)
        ).scalar_one()
        assert change.note == "Föreefter"


@pytest.mark.parametrize("path", ["/plans/1", "/activities/3"])
def test_each_chip_is_described_by_its_activity(member, path):
    html = member.get(path).get_data(as_text=True)
    described = re.findall(r'chip--button[^>]*aria-describedby="(activity-\d+-title)"', html)
    assert described
    for target in set(described):
        assert f'id="{target}"' in html
