"""Administration: users, functions and vacancies, password links, own account, audit log."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import Auth, csrf_token_from
from tests.factories import demo_user
from workspace.extensions import db
from workspace.models import (
    AuditEvent,
    Function,
    FunctionHolding,
    Organisation,
    PasswordLink,
    Role,
    User,
)
from workspace.models.types import utcnow
from workspace.services import accounts, audit, organisations


def client_for(app, org: str, local_part: str):
    client = app.test_client()
    Auth(client).login(org, local_part)
    return client


def token(client, path: str = "/account") -> str:
    return Auth(client).csrf_token(path)


def user_id(app, org: str, local_part: str) -> int:
    with app.app_context():
        return demo_user(org, local_part).id


def function_id(app, org: str, code: str) -> int:
    with app.app_context():
        return db.session.execute(
            select(Function.id)
            .join(Organisation)
            .where(Organisation.slug == org, Function.code == code)
        ).scalar_one()


def last_event(app, action: str) -> AuditEvent:
    with app.app_context():
        event = (
            db.session.execute(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
            )
            .scalars()
            .first()
        )
        assert event is not None, action
        db.session.expunge(event)
        return event


@pytest.fixture
def admin(app):
    return client_for(app, "kramfors", "admin")


# --- Who may administer --------------------------------------------------------------------


@pytest.mark.parametrize("local_part", ["lasare", "handlaggare", "samordnare"])
def test_only_admins_reach_the_administration(app, local_part):
    client = client_for(app, "kramfors", local_part)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    assert "Administration" not in client.get("/plans/1").get_data(as_text=True)


def test_an_admin_never_touches_another_organisations_users(app, admin):
    other = user_id(app, "solleftea", "handlaggare")
    for path in (f"/admin/users/{other}", f"/admin/users/{other}/deactivate"):
        assert admin.get(path).status_code == 404
    t = token(admin)
    for path in (
        f"/admin/users/{other}",
        f"/admin/users/{other}/deactivate",
        f"/admin/users/{other}/reactivate",
        f"/admin/users/{other}/password-link",
    ):
        response = admin.post(
            path,
            data={"csrf_token": t, "name": "X", "email": "x@x.se", "role": "admin", "confirm": "y"},
        )
        assert response.status_code == 404, path
    with app.app_context():
        person = db.session.get(User, other)
        assert person.active and person.name == "Elin Sjöberg"
    html = admin.get("/admin/users").get_data(as_text=True)
    assert "Lina Forsberg" in html and "Elin Sjöberg" not in html


# --- Users -------------------------------------------------------------------------------


def test_an_admin_adds_a_user_who_sets_a_password_with_a_one_time_link(app, admin):
    kun = function_id(app, "kramfors", "KUN")
    response = admin.post(
        "/admin/users/new",
        data={
            "csrf_token": token(admin, "/admin/users/new"),
            "name": "Nora Nyman",
            "email": "Nora.Nyman@kramfors.se",
            "role": "member",
            "functions": [str(kun)],
        },
    )
    assert response.status_code == 303
    with app.app_context():
        nora = db.session.execute(
            select(User).where(User.email == "nora.nyman@kramfors.se")
        ).scalar_one()
        assert nora.role is Role.MEMBER and [f.code for f in nora.functions] == ["KUN"]
        nora_id = nora.id
    # No password yet: she cannot log in until she sets one.
    assert (
        Auth(app.test_client()).login("kramfors", "nora.nyman@kramfors.se", "x" * 12).status_code
        == 401
    )
    page = admin.post(
        f"/admin/users/{nora_id}/password-link",
        data={"csrf_token": token(admin, f"/admin/users/{nora_id}")},
        follow_redirects=True,
    )
    link = re.search(r'value="(http://[^"]+/password/[^"]+)"', page.get_data(as_text=True)).group(1)
    path = link.split("localhost", 1)[1]
    nora_client = app.test_client()
    form = nora_client.get(path)
    assert form.status_code == 200 and "Nora Nyman" in form.get_data(as_text=True)
    weak = nora_client.post(
        path,
        data={"csrf_token": csrf_token_from(form.get_data(as_text=True)), "password": "sommar2026"},
    )
    assert weak.status_code == 422 and "för vanligt" in weak.get_data(as_text=True)
    done = nora_client.post(
        path,
        data={
            "csrf_token": csrf_token_from(form.get_data(as_text=True)),
            "password": "ett bra långt lösenord",
        },
    )
    assert done.status_code == 303
    assert (
        Auth(app.test_client())
        .login("kramfors", "nora.nyman@kramfors.se", "ett bra långt lösenord")
        .status_code
        == 303
    )
    # Single use.
    assert nora_client.get(path).status_code == 404


def test_a_password_link_expires_after_48_hours(app):
    with app.app_context():
        link_token = accounts.issue_password_link(
            demo_user("kramfors", "admin"), demo_user("kramfors", "lasare")
        )
        link = (
            db.session.execute(select(PasswordLink).order_by(PasswordLink.id.desc()))
            .scalars()
            .first()
        )
        assert timedelta(hours=47) < link.expires_at - utcnow() <= timedelta(hours=48)
        link.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert app.test_client().get(f"/password/{link_token}").status_code == 404
    assert "Länken har gått ut" in app.test_client().get(f"/password/{link_token}").get_data(
        as_text=True
    )


def test_a_new_link_replaces_the_old_one(app):
    with app.app_context():
        admin_user, person = demo_user("kramfors", "admin"), demo_user("kramfors", "lasare")
        first = accounts.issue_password_link(admin_user, person)
        second = accounts.issue_password_link(admin_user, person)
    assert app.test_client().get(f"/password/{first}").status_code == 404
    assert app.test_client().get(f"/password/{second}").status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "inte-en-adress"}, "Skriv en giltig e-postadress."),
        ({"email": "lasare@kramfors.example"}, "har redan en användare med den e-postadressen"),
        ({"name": " "}, "Skriv personens namn."),
        ({"role": "superuser"}, "Inte ett giltigt val"),
    ],
)
def test_bad_user_data_is_refused_next_to_the_field(app, admin, data, message):
    fields = {"name": "Ny Person", "email": "ny@kramfors.se", "role": "viewer", **data}
    response = admin.post(
        "/admin/users/new", data={"csrf_token": token(admin, "/admin/users/new"), **fields}
    )
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_an_admin_edits_a_user_and_the_change_is_logged(app, admin):
    target = user_id(app, "kramfors", "lasare")
    response = admin.post(
        f"/admin/users/{target}",
        data={
            "csrf_token": token(admin, f"/admin/users/{target}"),
            "name": "Per Ek",
            "email": "per.ek@kramfors.se",
            "role": "member",
        },
    )
    assert response.status_code == 303
    event = last_event(app, "user.updated")
    assert event.details["changes"]["role"] == ["viewer", "member"]
    assert event.details["changes"]["email"] == ["lasare@kramfors.example", "per.ek@kramfors.se"]


def test_an_admin_cannot_demote_or_deactivate_themself(app, admin):
    me = user_id(app, "kramfors", "admin")
    demote = admin.post(
        f"/admin/users/{me}",
        data={
            "csrf_token": token(admin, f"/admin/users/{me}"),
            "name": "Karin Holm",
            "email": "admin@kramfors.example",
            "role": "member",
        },
    )
    assert demote.status_code == 422 and "din egen administratörsroll" in demote.get_data(
        as_text=True
    )


# --- Vacant functions --------------------------------------------------------------------


def test_vacant_functions_are_flagged_where_admins_and_coordinators_look(app, admin):
    users_page = admin.get("/admin/users").get_data(as_text=True)
    assert "Vakanta funktioner" in users_page and "<strong>KUN</strong>" in users_page
    overview = client_for(app, "kramfors", "samordnare").get("/plans/1").get_data(as_text=True)
    assert "Ingen aktiv användare i Kramfors kommun som får rapportera har KUN" in overview
    assert overview.count("badge--vacant") >= 2  # KUN in both municipalities
    member_view = client_for(app, "kramfors", "handlaggare").get("/plans/1").get_data(as_text=True)
    assert "Vakanta funktioner" not in member_view  # the box is for admins and coordinators


def test_deactivating_the_last_holder_warns_and_appointing_clears_the_vacancy(app, admin):
    lina = user_id(app, "kramfors", "handlaggare")  # the only holder of ION and BSN
    page = admin.get(f"/admin/users/{lina}/deactivate").get_data(as_text=True)
    assert "den enda aktiva innehavaren" in page and "ION" in page and "BSN" in page
    unconfirmed = admin.post(
        f"/admin/users/{lina}/deactivate", data={"csrf_token": csrf_token_from(page)}
    )
    assert unconfirmed.status_code == 422
    done = admin.post(
        f"/admin/users/{lina}/deactivate",
        data={"csrf_token": csrf_token_from(page), "confirm": "y"},
    )
    assert done.status_code == 303
    with app.app_context():
        assert {
            f.code
            for f in organisations.vacant_functions(demo_user("kramfors", "admin").organisation_id)
        } == {"ION", "BSN", "KUN"}
    assert Auth(app.test_client()).login("kramfors", "handlaggare").status_code == 401
    # Appoint Per Ek (lasare) to ION: ION is no longer vacant.
    per = user_id(app, "kramfors", "lasare")
    admin.post(
        f"/admin/users/{per}",
        data={
            "csrf_token": token(admin, f"/admin/users/{per}"),
            "name": "Per Ek",
            "email": "lasare@kramfors.example",
            "role": "member",
            "functions": [str(function_id(app, "kramfors", "ION"))],
        },
    )
    html = admin.get("/admin/users").get_data(as_text=True)
    vacant = html[html.index("Vakanta funktioner") : html.index("</section>")]
    assert "<strong>ION</strong>" not in vacant and "<strong>BSN</strong>" in vacant
    assert "Lina Forsberg</a> (inaktiv)" in html
    # Her history stays, marked inactive.
    activity = client_for(app, "kramfors", "lasare").get("/activities/3").get_data(as_text=True)
    assert "Lina Forsberg (inaktiv)" in activity
    assert last_event(app, "function.appointed").details["user_id"] == per


def test_a_function_held_only_by_a_viewer_stays_vacant(app, admin):
    per = user_id(app, "kramfors", "lasare")  # a viewer: may read, may not report
    admin.post(
        f"/admin/users/{per}",
        data={
            "csrf_token": token(admin, f"/admin/users/{per}"),
            "name": "Per Ek",
            "email": "lasare@kramfors.example",
            "role": "viewer",
            "functions": [str(function_id(app, "kramfors", "KUN"))],
        },
    )
    html = admin.get("/admin/users").get_data(as_text=True)
    box = html[html.index('id="vacant-title"') : html.index("</section>")]
    kun = box[box.index("<strong>KUN</strong>") :].split("</li>")[0]
    assert "Vakant: ingen aktiv innehavare som får rapportera." in kun
    assert "Innehas bara av Per Ek (läsare)" in kun
    overview = client_for(app, "kramfors", "samordnare").get("/plans/1").get_data(as_text=True)
    assert "Ingen aktiv användare i Kramfors kommun som får rapportera har KUN" in overview
    # Lina's deactivation still warns about ION although Per, a viewer, holds it too.
    admin.post(
        f"/admin/users/{per}",
        data={
            "csrf_token": token(admin, f"/admin/users/{per}"),
            "name": "Per Ek",
            "email": "lasare@kramfors.example",
            "role": "viewer",
            "functions": [str(function_id(app, "kramfors", "ION"))],
        },
    )
    lina = user_id(app, "kramfors", "handlaggare")
    page = admin.get(f"/admin/users/{lina}/deactivate").get_data(as_text=True)
    warning = page[page.index('role="alert"') :].split("</div>")[0]
    assert "ION" in warning and "BSN" in warning
    # Making Per a member lets him report for ION: it is no longer vacant.
    admin.post(
        f"/admin/users/{per}",
        data={
            "csrf_token": token(admin, f"/admin/users/{per}"),
            "name": "Per Ek",
            "email": "lasare@kramfors.example",
            "role": "member",
            "functions": [str(function_id(app, "kramfors", "ION"))],
        },
    )
    page = admin.get(f"/admin/users/{lina}/deactivate").get_data(as_text=True)
    warning = page[page.index('role="alert"') :].split("</div>")[0]
    assert "ION" not in warning and "BSN" in warning


def test_reactivating_lets_the_user_in_again(app, admin):
    target = user_id(app, "kramfors", "lasare")
    page = admin.get(f"/admin/users/{target}/deactivate").get_data(as_text=True)
    admin.post(
        f"/admin/users/{target}/deactivate",
        data={"csrf_token": csrf_token_from(page), "confirm": "y"},
    )
    assert Auth(app.test_client()).login("kramfors", "lasare").status_code == 401
    admin.post(
        f"/admin/users/{target}/reactivate",
        data={"csrf_token": token(admin, f"/admin/users/{target}")},
    )
    assert Auth(app.test_client()).login("kramfors", "lasare").status_code == 303


def test_a_functions_choice_outside_the_organisation_is_refused(app, admin):
    target = user_id(app, "kramfors", "lasare")
    police = function_id(app, "polisen", "Polis")
    response = admin.post(
        f"/admin/users/{target}",
        data={
            "csrf_token": token(admin, f"/admin/users/{target}"),
            "name": "Per Ek",
            "email": "lasare@kramfors.example",
            "role": "viewer",
            "functions": [str(police)],
        },
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(User, target).functions == []


# --- Own account ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "new", "message"),
    [
        ("fel-lösenord", "ett nytt långt lösenord", "Det nuvarande lösenordet är fel."),
        ("samverkan-demo", "kort", "minst 10 tecken"),
        ("samverkan-demo", "password123", "för vanligt"),
        ("samverkan-demo", "aaaaaaaaaaaa", "för vanligt"),
        ("samverkan-demo", "lasare@kramfors.example", "inte vara din e-postadress"),
    ],
)
def test_password_rules(app, current, new, message):
    client = client_for(app, "kramfors", "lasare")
    response = client.post(
        "/account",
        data={"csrf_token": token(client), "current_password": current, "new_password": new},
    )
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_changing_ones_password(app):
    client = client_for(app, "kramfors", "lasare")
    response = client.post(
        "/account",
        data={
            "csrf_token": token(client),
            "current_password": "samverkan-demo",
            "new_password": "ett nytt långt lösenord",
        },
    )
    assert response.status_code == 303
    assert Auth(app.test_client()).login("kramfors", "lasare").status_code == 401
    assert (
        Auth(app.test_client())
        .login("kramfors", "lasare", password="ett nytt långt lösenord")
        .status_code
        == 303
    )
    assert last_event(app, "account.password_changed").user_id == user_id(app, "kramfors", "lasare")


def test_the_account_page_chooses_the_language(app):
    client = client_for(app, "kramfors", "lasare")
    page = client.get("/account").get_data(as_text=True)
    assert "Mitt konto" in page and "Byt lösenord" in page
    client.post(
        "/language", data={"csrf_token": csrf_token_from(page), "locale": "en", "next": "/account"}
    )
    assert "My account" in client.get("/account", headers={"Accept-Language": "sv"}).get_data(
        as_text=True
    )


# --- Audit log -----------------------------------------------------------------------------


def test_the_audit_log_shows_the_organisations_events_filtered(app, admin):
    Auth(app.test_client()).login("kramfors", "lasare", password="fel-lösenord-här")

    def rows(query: str = "") -> str:
        html = admin.get(f"/admin/audit{query}").get_data(as_text=True)
        return html[html.index("<tbody>") : html.index("</tbody>")]

    everything = rows()
    assert "Misslyckad inloggning" in everything and "Status ändrad" in everything
    assert "Elin Sjöberg" not in everything  # Sollefteå's events are Sollefteå's
    failed = rows("?action=login.failed")
    assert "Misslyckad inloggning" in failed and "Status ändrad" not in failed
    lina = user_id(app, "kramfors", "handlaggare")
    by_lina = rows(f"?user={lina}")
    assert "Status ändrad" in by_lina and "Misslyckad inloggning" not in by_lina
    assert "Inga händelser matchar." in rows("?since=2999-01-01")
    assert admin.get("/admin/audit?since=inte-ett-datum").status_code == 400


def test_the_audit_log_exports_as_csv(app, admin):
    response = admin.get("/admin/audit.csv?action=assignment.status_changed")
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["När", "Vem", "Vad", "Objekt", "Detaljer"]
    assert len(rows) > 2 and all(row[2] == "Status ändrad" for row in rows[1:])
    assert any(row[1] == "Lina Forsberg" for row in rows[1:])


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/audit.csv"])
@pytest.mark.parametrize(
    ("field", "value"), [("since", "0001-01-01"), ("until", "9999-12-31"), ("since", "1899-12-31")]
)
def test_a_date_too_far_off_is_refused_with_the_form_kept(app, admin, path, field, value):
    response = admin.get(f"{path}?{field}={value}&action=login.failed")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "text/html" in response.headers["Content-Type"]
    assert "Content-Disposition" not in response.headers
    message = "Välj ett datum mellan 1900-01-01 och 9998-12-31."
    assert f'<p class="field__error" id="{field}-error">{message}</p>' in html
    assert re.search(rf'<input[^>]*name="{field}"[^>]*value="{value}"', html)


@pytest.mark.parametrize("query", ["since=1900-01-01", "until=9998-12-31"])
def test_the_first_and_last_days_filter(app, admin, query):
    assert admin.get(f"/admin/audit?{query}").status_code == 200
    assert admin.get(f"/admin/audit.csv?{query}").status_code == 200


def test_an_error_message_is_the_fields_description(app):
    client = client_for(app, "kramfors", "lasare")
    html = client.post(
        "/account",
        data={
            "csrf_token": token(client),
            "current_password": "fel",
            "new_password": "ett nytt långt lösenord",
        },
    ).get_data(as_text=True)
    field = re.search(r'<input[^>]*id="current_password"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="current_password-error"' in field
    assert (
        '<p class="field__error" id="current_password-error">Det nuvarande lösenordet är fel.</p>'
        in html
    )


def test_the_password_link_is_shown_once_and_reloading_does_not_replace_it(app, admin):
    target = user_id(app, "kramfors", "lasare")
    first = admin.post(
        f"/admin/users/{target}/password-link",
        data={"csrf_token": token(admin, f"/admin/users/{target}")},
    )
    assert first.status_code == 303
    shown = admin.get(first.headers["Location"]).get_data(as_text=True)
    link = re.search(r'value="http://localhost(/password/[^"]+)"', shown).group(1)
    again = admin.get(first.headers["Location"]).get_data(as_text=True)
    assert "/password/" not in again and "Länken har redan visats" in again
    assert app.test_client().get(link).status_code == 200  # reloading did not replace it


def test_deactivating_releases_the_persons_functions(app, admin):
    lina = user_id(app, "kramfors", "handlaggare")
    page = admin.get(f"/admin/users/{lina}/deactivate").get_data(as_text=True)
    admin.post(
        f"/admin/users/{lina}/deactivate",
        data={"csrf_token": csrf_token_from(page), "confirm": "y"},
    )
    with app.app_context():
        assert db.session.get(User, lina).functions == []
    assert last_event(app, "function.relieved").details["user_id"] == lina


def test_audit_details_are_in_words(app, admin):
    html = admin.get("/admin/audit?action=assignment.status_changed").get_data(as_text=True)
    rows = html[html.index("<tbody>") : html.index("</tbody>")]
    assert '<span class="muted">Från:</span> Ej påbörjad; <span class="muted">Till:</span>' in rows
    assert "from_status" not in rows and "not_started" not in rows


def audit_rows(admin, query: str = "") -> list[str]:
    """The audit page's rows as text, one string per row."""
    html = admin.get(f"/admin/audit{query}").get_data(as_text=True)
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [re.sub(r"<[^>]+>", "", row) for row in body.split("</tr>")[:-1]]


LINA = "Lina Forsberg (handlaggare@kramfors.example)"


def test_reactivating_offers_back_the_functions_held_and_the_log_names_them(app, admin):
    lina = user_id(app, "kramfors", "handlaggare")  # holds ION and BSN
    page = admin.get(f"/admin/users/{lina}/deactivate").get_data(as_text=True)
    admin.post(
        f"/admin/users/{lina}/deactivate",
        data={"csrf_token": csrf_token_from(page), "confirm": "y"},
    )
    users_page = admin.get("/admin/users").get_data(as_text=True)
    row = users_page[users_page.index("Lina Forsberg</a>") :].split("</tr>")[0]
    assert row.rstrip().endswith('<td data-label="Funktioner">–</td>')
    # The reactivation page lists what she held, ticked.
    ion, bsn, kun = (function_id(app, "kramfors", code) for code in ("ION", "BSN", "KUN"))
    page = admin.get(f"/admin/users/{lina}/reactivate").get_data(as_text=True)
    assert "Lina Forsberg hade de här funktionerna när kontot inaktiverades" in page
    for function in (ion, bsn):
        assert f'name="functions" value="{function}" checked' in page
    assert f'value="{kun}"' not in page
    # A function she never held is not offered back: refused in place, nothing changes.
    refused = admin.post(
        f"/admin/users/{lina}/reactivate",
        data={"csrf_token": csrf_token_from(page), "functions": [str(ion), str(kun)]},
    )
    assert refused.status_code == 422
    assert "Välj bland de funktioner som personen hade." in refused.get_data(as_text=True)
    assert f'name="functions" value="{ion}" checked' in refused.get_data(as_text=True)
    assert Auth(app.test_client()).login("kramfors", "handlaggare").status_code == 401
    # The admin gives back ION only.
    done = admin.post(
        f"/admin/users/{lina}/reactivate",
        data={"csrf_token": csrf_token_from(page), "functions": [str(ion)]},
    )
    assert done.status_code == 303
    assert Auth(app.test_client()).login("kramfors", "handlaggare").status_code == 303
    with app.app_context():
        assert [f.code for f in db.session.get(User, lina).functions] == ["ION"]
        history = db.session.execute(
            select(FunctionHolding).where(FunctionHolding.user_id == lina)
        ).scalars()
        spans = sorted(
            (h.function.code, h.held_until is None, h.ended_by_deactivation) for h in history
        )
        assert spans == [("BSN", False, True), ("ION", False, True), ("ION", True, False)]
    # A second admin's late confirmation is told it was done already.
    again = admin.post(
        f"/admin/users/{lina}/reactivate",
        data={"csrf_token": csrf_token_from(page), "functions": [str(bsn)]},
    )
    assert again.status_code == 409
    assert "redan aktiv" in again.get_data(as_text=True)
    # Every row names the function and the person.
    rows = audit_rows(admin)
    relieved = [r for r in rows if "Funktion fråntagen" in r]
    assert len(relieved) == 2
    assert any("BSN, Kramfors kommun" in r and f"Person: {LINA}" in r for r in relieved)
    assert any("ION, Kramfors kommun" in r and f"Person: {LINA}" in r for r in relieved)
    appointed = next(r for r in rows if "Funktion tilldelad" in r)
    assert "ION, Kramfors kommun" in appointed and f"Person: {LINA}" in appointed
    deactivated = next(r for r in rows if "Användare inaktiverad" in r)
    assert LINA in deactivated and "Funktioner: BSN, ION" in deactivated
    reactivated = next(r for r in rows if "Användare återaktiverad" in r)
    assert LINA in reactivated and "Funktioner: ION" in reactivated


def test_a_user_edit_is_logged_field_by_field_in_swedish(app, admin):
    lina = user_id(app, "kramfors", "handlaggare")
    form = {
        "csrf_token": token(admin, f"/admin/users/{lina}"),
        "name": "Lina Forsberg",
        "email": "lina.forsberg@kramfors.se",
        "role": "coordinator",
        "functions": [str(function_id(app, "kramfors", "ION"))],
    }
    assert admin.post(f"/admin/users/{lina}", data=form).status_code == 303
    # Saving again with only a function taken away is no user change.
    form["functions"] = []
    assert admin.post(f"/admin/users/{lina}", data=form).status_code == 303
    rows = audit_rows(admin, "?action=user.updated")
    assert len(rows) == 1
    assert "Lina Forsberg (lina.forsberg@kramfors.se)" in rows[0]
    assert "Roll: Handläggare → Samordnare" in rows[0]
    assert "E-postadress: handlaggare@kramfors.example → lina.forsberg@kramfors.se" in rows[0]
    assert "Namn" not in rows[0]  # unchanged fields are not listed
    relieved = audit_rows(admin, "?action=function.relieved")
    assert len(relieved) == 2 and "Person: Lina Forsberg (lina.forsberg@kramfors.se)" in relieved[0]


def test_older_audit_rows_are_named_by_what_the_object_is_called_now(app, admin):
    with app.app_context():
        # A row as the log kept them before it named its objects.
        per = demo_user("kramfors", "lasare")
        audit.record(demo_user("kramfors", "admin"), "user.updated", per, object=None, changes={})
        db.session.commit()
    row = audit_rows(admin, "?action=user.updated")[0]
    assert "Per Ek (lasare@kramfors.example)" in row
    assert "changes" not in row and "Ändringar" not in row and "User" not in row


def test_the_audit_csv_is_swedish_and_names_its_objects(app, admin):
    per = user_id(app, "kramfors", "lasare")
    admin.post(
        f"/admin/users/{per}",
        data={
            "csrf_token": token(admin, f"/admin/users/{per}"),
            "name": "Per Ek",
            "email": "lasare@kramfors.example",
            "role": "member",
            "functions": [str(function_id(app, "kramfors", "KUN"))],
        },
    )
    text = admin.get("/admin/audit.csv").data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["När", "Vem", "Vad", "Objekt", "Detaljer"]
    by_action = {row[2]: row for row in reversed(rows[1:])}
    assert by_action["Funktion tilldelad"][1:] == [
        "Karin Holm",
        "Funktion tilldelad",
        "KUN, Kramfors kommun",
        "Person: Per Ek (lasare@kramfors.example)",
    ]
    assert by_action["Användare ändrad"][3:] == [
        "Per Ek (lasare@kramfors.example)",
        "Roll: Läsare → Handläggare",
    ]
    status = by_action["Status ändrad"]
    assert re.search(r" – (ION|BSN|SBN|Alkoholhandläggare), Kramfors kommun$", status[3])
    assert status[4].startswith("Från: ") and "; Till: " in status[4]
    objects = [row[3] for row in rows[1:]]
    assert not [o for o in objects if re.fullmatch(r"[A-Z][A-Za-z]+ \d+", o)]
