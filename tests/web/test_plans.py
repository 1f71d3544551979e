"""The plan overview and the activity page: content, fragments, filters, isolation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.factories import PASSWORD, SEED_AREAS, assignment, demo_user, outside_tenant
from workspace.models import AssignmentStatus
from workspace.models.types import utcnow
from workspace.services.assignments import change_status


def chips(html: str) -> list[str]:
    return re.findall(
        r'data-assignment-id="\d+"><span class="chip__icon"[^>]*></span>([^<]+)<', html
    )


@pytest.fixture
def viewer(client, auth):
    auth.login("kramfors", "lasare")
    return client


def test_start_page_opens_the_organisations_plan(viewer):
    response = viewer.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/plans/1"


def test_overview_shows_the_whole_plan(viewer):
    html = viewer.get("/plans/1").get_data(as_text=True)
    headings = re.findall(
        r'<h2 id="area-\d+-title"><span class="area__number">\d</span> ([^<]+)</h2>', html
    )
    assert headings == SEED_AREAS
    assert html.count('class="activity"') == 26
    assert len(chips(html)) == 62
    assert "Minst ett grundligt besök per månad av radiobil." in html
    assert 'title="Individ- och omsorgsnämnden">ION</span>' in html
    assert "26 aktiviteter, 62 åtaganden" in html


def test_each_chip_says_its_status_in_words(viewer):
    html = viewer.get("/plans/1").get_data(as_text=True)
    labels = set(chips(html))
    assert {"Ej påbörjad", "Pågår", "Löpande", "Genomförd", "Försenad", "Avbruten"} == labels


def test_counts_per_status_per_area(viewer):
    html = viewer.get("/plans/1").get_data(as_text=True)
    first_area = html[html.index('id="area-1"') : html.index('id="area-2"')]
    counts = dict(
        (label, int(n))
        for n, label in re.findall(r'counts__number">(\d+)</span> ([^<]+)</li>', first_area)
    )
    # Area 1 has 11 assignments (6 + 1 + 2 + 1 + 1); the demo history reports some of them.
    assert sum(counts.values()) == 11
    assert counts["Försenad"] == 1
    assert counts["Genomförd"] == 2


def test_htmx_gets_the_fragment_from_the_same_template(viewer):
    fragment = viewer.get("/plans/1?status=delayed", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "<html" not in html and '<header class="site-header"' not in html
    assert 'id="result-summary"' in html
    assert set(chips(html)) == {"Försenad"}
    assert "HX-Request" in fragment.headers["Vary"]
    page = viewer.get("/plans/1?status=delayed")
    assert "<html" in page.get_data(as_text=True)
    assert chips(page.get_data(as_text=True)) == chips(html)


def test_htmx_history_restore_gets_the_whole_page(viewer):
    response = viewer.get(
        "/plans/1", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.get_data(as_text=True)


def test_filter_by_organisation(viewer):
    html = viewer.get("/plans/1?organisation=polisen").get_data(as_text=True)
    assert "Sollefteå kommun</span></span>" not in html
    assert html.count('class="assignment__org">Polisen, Sollefteå närpolisområde<') == len(
        chips(html)
    )
    assert len(chips(html)) == 18


def test_filter_by_area_keeps_the_other_areas_out(viewer):
    html = viewer.get("/plans/1?area=4").get_data(as_text=True)
    assert "Tillgreppsbrott" in html
    assert 'id="area-1-title"' not in html
    assert html.count('class="activity"') == 3


def test_filters_combine(viewer):
    html = viewer.get("/plans/1?organisation=kramfors&status=done").get_data(as_text=True)
    assert chips(html) == ["Genomförd"]


def test_a_filter_nobody_matches_says_so(viewer):
    html = viewer.get("/plans/1?organisation=naringslivet&status=done").get_data(as_text=True)
    assert "Inget matchar filtret." in html


@pytest.mark.parametrize("query", ["status=finished", "organisation=nowhere", "area=999", "area=x"])
def test_a_bad_filter_value_answers_400_with_a_message(viewer, query):
    response = viewer.get(f"/plans/1?{query}")
    assert response.status_code == 400
    assert "Inte ett giltigt val" in response.get_data(as_text=True)
    assert len(chips(response.get_data(as_text=True))) == 62  # the page still works


@pytest.mark.parametrize("path", ["/plans/abc", "/plans/999", "/activities/999", "/activities/x"])
def test_unknown_ids_are_404(viewer, path):
    response = viewer.get(path)
    assert response.status_code == 404
    assert "Sidan finns inte" in response.get_data(as_text=True)


def test_activity_page_shows_goal_assignments_and_history(app, viewer):
    html = viewer.get("/activities/1").get_data(as_text=True)
    assert "Gemensamma kontroller av krogar med serveringstillstånd" in html
    assert "Upprätthålla ansvarsfull servering" in html
    for who in ("Skatteverket", "Räddningstjänsten", "Miljö- och hälsoskydd", "Kramfors kommun"):
        assert who in html
    assert len(chips(html)) == 6  # five parties; the alcohol officers of both municipalities
    timeline = html[html.index('id="timeline-items"') :]
    # One timeline, oldest first, newest at the bottom.
    assert timeline.index("Samtliga krogar kontrollerade") < timeline.index("Skatteverket deltog")
    assert (
        '<span class="timeline__author">Jonas Lund</span>, Polisen, Sollefteå närpolisområde'
        in (timeline)
    )


def test_history_says_today_and_yesterday_in_swedish(app, viewer):
    with app.app_context():
        member = demo_user("kramfors", "handlaggare")
        target = assignment("kramfors", "ION", area=6, activity=2)
        change_status(
            member, target, "in_progress", "Första mötet hållet.", at=utcnow() - timedelta(days=1)
        )
        change_status(member, target, "done", "Mansjouren är igång.")
        activity_id = target.activity_id
    html = viewer.get(f"/activities/{activity_id}").get_data(as_text=True)
    assert re.search(
        r'>i dag \d\d:\d\d</time> · <span class="timeline__by">'
        r'<span class="timeline__author">Lina Forsberg</span>, Kramfors kommun',
        html,
    )
    assert re.search(r">i går \d\d:\d\d</time>", html)
    assert html.index("Första mötet hållet.") < html.index("Mansjouren är igång.")
    assert "Ej påbörjad" in html and "Pågår" in html


def test_english_is_available(client, auth):
    auth.login("polisen", "lasare")
    html = client.get("/plans/1", headers={"Accept-Language": "en-GB,en"}).get_data(as_text=True)
    assert "26 activities, 62 assignments" in html
    assert '<html lang="en">' in html


def test_swedish_is_the_default(client, auth):
    auth.login("polisen", "lasare")
    html = client.get("/plans/1", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="sv">' in html and "Logga ut" in html


def test_language_choice_is_remembered(client, auth):
    auth.login("polisen", "lasare")
    token = auth.csrf_token("/plans/1")
    response = client.post(
        "/language", data={"csrf_token": token, "locale": "en", "next": "/plans/1"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/plans/1"
    html = client.get("/plans/1", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Log out" in html


# --- Tenant isolation -------------------------------------------------------------------


@pytest.fixture
def outsider(app, client, auth):
    with app.app_context():
        user = outside_tenant()
        email = user.email
    auth.login("harnosand", email, PASSWORD)
    return client


@pytest.mark.parametrize("path", ["/plans/1", "/activities/1", "/plans/1?status=done"])
def test_another_tenants_plan_does_not_exist_for_an_outsider(outsider, path):
    response = outsider.get(path)
    assert response.status_code == 404
    assert "Handlingsplan för samverkan" not in response.get_data(as_text=True)


def test_an_outsider_sees_no_plans(outsider):
    assert outsider.get("/").headers["Location"] == "/plans"
    html = outsider.get("/plans").get_data(as_text=True)
    assert "Din organisation deltar inte i någon handlingsplan ännu." in html
    assert "Handlingsplan för samverkan" not in html


def test_the_status_values_the_ui_offers_are_the_models(viewer):
    html = viewer.get("/plans/1").get_data(as_text=True)
    offered = re.findall(r'<option value="([a-z_]+)">', html[html.index('id="status"') :])
    assert offered == [s.value for s in AssignmentStatus]
