"""The accessibility statement: reachable by anyone, its report form, and the admins' list."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import Auth, csrf_token_from
from workspace.extensions import db
from workspace.models import AccessibilityReport
from workspace.services import accessibility


def report_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AccessibilityReport.id)))


def send(client, **fields):
    page = client.get("/accessibility")
    data = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), **fields}
    return client.post("/accessibility", data=data)


def test_the_statement_is_public_and_in_swedish(client):
    response = client.get("/accessibility")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in (
        "Tillgänglighet för Samverkan",
        "delvis förenlig",
        "Innehåll som inte är tillgängligt",
        "Hur vi testat tjänsten",
        "Tillsyn",
        'href="https://www.digg.se/"',
        "Rapportera brister i tjänstens tillgänglighet",
    ):
        assert text in html, text


@pytest.mark.parametrize("path", ["/login", "/accessibility"])
def test_every_page_footer_links_to_the_statement_even_logged_out(client, path):
    html = client.get(path).get_data(as_text=True)
    footer = html[html.index('<footer class="site-footer">') :]
    assert 'href="/accessibility"' in footer
    assert "Tillgänglighetsredogörelse" in footer


def test_the_footer_link_is_there_when_logged_in(client, auth):
    auth.login("kramfors", "lasare")
    html = client.get("/plans/1").get_data(as_text=True)
    assert 'href="/accessibility"' in html[html.index("<footer") :]


def test_the_contact_email_comes_from_the_configuration(app, client):
    assert "mailto:" not in client.get("/accessibility").get_data(as_text=True)
    app.config["ACCESSIBILITY_CONTACT_EMAIL"] = "tillganglighet@samverkan.example"
    html = client.get("/accessibility").get_data(as_text=True)
    assert 'href="mailto:tillganglighet@samverkan.example"' in html


def test_a_report_without_login_is_stored_and_thanked(app, client):
    response = send(
        client,
        description="  Knappen Spara går inte att nå med tangentbordet.  ",
        page_address="/plans/1",
        contact_email="Anna@Example.se",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/accessibility")
    assert "Tack! Din rapport är sparad" in client.get("/accessibility").get_data(as_text=True)
    with app.app_context():
        report = db.session.execute(select(AccessibilityReport)).scalar_one()
        assert report.description == "Knappen Spara går inte att nå med tangentbordet."
        assert report.page_address == "/plans/1"
        assert report.contact_email == "anna@example.se"


def test_only_the_description_is_required(app, client):
    assert send(client, description="Kontrasten är för svag.").status_code == 303
    with app.app_context():
        report = db.session.execute(select(AccessibilityReport)).scalar_one()
        assert report.page_address is None and report.contact_email is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"description": "   "}, "Beskriv problemet du stötte på."),
        ({"description": "x" * 5001}, "Beskrivningen får ha högst 5000 tecken."),
        ({"description": "Fel", "page_address": "/" * 501}, "Sidans adress får ha högst 500"),
        ({"description": "Fel", "contact_email": "inte-en-adress"}, "Skriv en giltig e-postadress"),
    ],
)
def test_bad_input_answers_422_with_the_message_and_stores_nothing(app, client, fields, message):
    response = send(client, **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert report_count(app) == 0


def test_an_htmx_submit_gets_the_form_fragment(app, client):
    page = client.get("/accessibility")
    response = client.post(
        "/accessibility",
        data={"description": ""},
        headers={"HX-Request": "true", "X-CSRFToken": csrf_token_from(page.get_data(as_text=True))},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="report-form"' in html


def test_a_report_without_the_csrf_token_is_refused(app, client):
    response = client.post("/accessibility", data={"description": "Något är fel."})
    assert response.status_code == 400
    assert "Sidan har gått ut" in response.get_data(as_text=True)
    assert report_count(app) == 0


def test_reports_are_rate_limited_per_address(app, client):
    app.config["ACCESSIBILITY_REPORT_LIMIT"] = "2 per hour"
    for _ in range(2):
        assert send(client, description="Problem").status_code == 303
    blocked = send(client, description="Problem")
    assert blocked.status_code == 429
    assert "Försök igen senare" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0
    assert report_count(app) == 2


def test_the_page_address_can_be_given_in_the_link(client):
    html = client.get("/accessibility?page=/plans/1").get_data(as_text=True)
    assert 'value="/plans/1"' in html


# --- Who reads the reports ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("org", "local_part", "status"),
    [
        ("kramfors", "admin", 200),
        ("solleftea", "admin", 200),
        ("polisen", "admin", 200),
        ("kramfors", "samordnare", 403),
        ("kramfors", "handlaggare", 403),
        ("kramfors", "lasare", 403),
    ],
)
def test_only_admins_read_the_reports(app, org, local_part, status):
    send(app.test_client(), description="Fokusramen syns inte.", contact_email="a@b.se")
    client = app.test_client()
    Auth(client).login(org, local_part)
    response = client.get("/admin/accessibility-reports")
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert ("Fokusramen syns inte." in html) is (status == 200)
    if status == 403:
        assert "Bara administratörer läser anmälda tillgänglighetsproblem." in html


def test_the_report_list_needs_a_login(client):
    response = client.get("/admin/accessibility-reports")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_admins_find_the_reports_in_the_administration_menu(app):
    client = app.test_client()
    Auth(client).login("kramfors", "admin")
    html = client.get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/accessibility-reports"' in html
    listing = client.get("/admin/accessibility-reports").get_data(as_text=True)
    assert "Ingen har anmält något problem." in listing
    assert 'aria-current="page">Anmälda tillgänglighetsproblem' in listing


def test_many_reports_are_paged_newest_first(app, client, auth):
    with app.app_context():
        for number in range(1, 53):
            accessibility.report_problem(f"Problem nummer {number}.")
    auth.login("kramfors", "admin")
    first = client.get("/admin/accessibility-reports").get_data(as_text=True)
    assert "Problem nummer 52." in first and "Problem nummer 3." in first
    assert "Problem nummer 2." not in first
    assert "Sida 1 av 2" in first and 'href="/admin/accessibility-reports?page=2"' in first
    second = client.get("/admin/accessibility-reports?page=2").get_data(as_text=True)
    assert "Problem nummer 2." in second and "Problem nummer 1." in second
    assert "Problem nummer 3." not in second and "Nyare" in second
