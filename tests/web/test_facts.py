"""Facts (step 1 of the cycle): recorded per plan and year, shared or internal, edited by
their own organisation only, with a file or a link."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.conftest import Auth
from tests.factories import PDF_BYTES, demo_user, seed_plan
from workspace.extensions import db
from workspace.models import AuditEvent, Fact
from workspace.services import facts

STATISTICS = {
    "kind": "statistics",
    "title": "Anmälda tillgreppsbrott, Sollefteå",
    "year": "2025",
    "source": "Polisens statistik",
    "period": "2025",
    "value": "412",
    "unit": "anmälda brott",
    "visibility": "shared",
}
SURVEY = {
    "kind": "survey",
    "title": "Otrygghet i centrum kvällstid",
    "year": "2025",
    "source": "Polisens trygghetsmätning",
    "period": "hösten 2025",
    "text": "Fler känner sig otrygga kring busstationen än 2023.",
    "visibility": "shared",
}
OBSERVATION = {
    "kind": "observation",
    "title": "Nedskräpning vid skolan",
    "year": "2025",
    "text": "Fältassistenterna ser fler grupper vid skolgården fredagskvällar.",
    "visibility": "internal",
}


def client_for(app, org: str, local_part: str):
    client = app.test_client()
    Auth(client).login(org, local_part)
    return client


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": Auth(client).csrf_token("/plans/1"), **data})


def record(app, org="solleftea", fields=STATISTICS, **extra) -> int:
    with app.app_context():
        return facts.record(demo_user(org, "handlaggare"), seed_plan(), **fields, **extra).id


@pytest.mark.parametrize("fields", [STATISTICS, SURVEY, OBSERVATION], ids=lambda f: f["kind"])
def test_a_member_records_each_kind_and_sees_it_listed(app, fields):
    member = client_for(app, "solleftea", "handlaggare")
    plan_id = 1
    response = post(member, f"/plans/{plan_id}/facts/new", **fields)
    assert response.status_code == 303
    page = member.get(f"/plans/{plan_id}/facts?year=2025").get_data(as_text=True)
    assert fields["title"] in page
    with app.app_context():
        fact = db.session.execute(select(Fact)).scalar_one()
        assert fact.organisation.slug == "solleftea" and fact.year == 2025
        assert db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "fact.recorded")
        )


def test_statistics_need_source_period_value_and_unit(app):
    member = client_for(app, "solleftea", "handlaggare")
    bare = {"kind": "statistics", "title": "Tillgrepp", "year": "2025", "visibility": "shared"}
    response = post(member, "/plans/1/facts/new", **bare)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="field__error"' in html and 'value="Tillgrepp"' in html


def test_a_personal_identity_number_is_refused(app):
    member = client_for(app, "solleftea", "handlaggare")
    fields = {**OBSERVATION, "text": "Gäller 19121212-1212 som syns vid skolan."}
    response = post(member, "/plans/1/facts/new", **fields)
    assert response.status_code == 422
    assert "19121212-1212" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Fact.id))) == 0


def test_an_internal_fact_stays_in_its_organisation(app):
    fact_id = record(app, fields={**STATISTICS, "visibility": "internal"}, upload=None)
    own = client_for(app, "solleftea", "lasare")
    other = client_for(app, "kramfors", "admin")
    police = client_for(app, "polisen", "samordnare")
    assert STATISTICS["title"] in own.get("/plans/1/facts?year=2025").get_data(as_text=True)
    for client in (other, police):
        for headers in ({}, {"HX-Request": "true"}):
            page = client.get("/plans/1/facts?year=2025", headers=headers)
            assert STATISTICS["title"] not in page.get_data(as_text=True)
        assert client.get(f"/facts/{fact_id}/edit").status_code == 404
        assert client.get(f"/facts/{fact_id}/file").status_code == 404
        archive = client.get("/plans/1/archive.json").get_data(as_text=True)
        assert STATISTICS["title"] not in archive


def test_a_shared_fact_is_read_by_all_but_changed_only_by_its_organisation(app):
    fact_id = record(app)
    kramfors = client_for(app, "kramfors", "samordnare")
    assert STATISTICS["title"] in kramfors.get("/plans/1/facts?year=2025").get_data(as_text=True)
    assert kramfors.get(f"/facts/{kramfors and fact_id}/edit").status_code == 403
    assert post(kramfors, f"/facts/{fact_id}/edit", **STATISTICS, version="1").status_code == 403
    assert post(kramfors, f"/facts/{fact_id}/remove", version="1").status_code == 403


def test_a_viewer_is_refused_in_place_with_what_was_typed(app):
    viewer = client_for(app, "solleftea", "lasare")
    response = post(viewer, "/plans/1/facts/new", **STATISTICS)
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and 'value="Anmälda tillgreppsbrott, Sollefteå"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Fact.id))) == 0


def test_a_stale_edit_answers_409_with_both_versions(app):
    fact_id = record(app)
    first = client_for(app, "solleftea", "handlaggare")
    second = client_for(app, "solleftea", "samordnare")
    saved = post(first, f"/facts/{fact_id}/edit", **{**STATISTICS, "value": "415"}, version="1")
    assert saved.status_code == 303
    stale = post(second, f"/facts/{fact_id}/edit", **{**STATISTICS, "value": "999"}, version="1")
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert 'value="999"' in html  # what the second user typed
    assert "415" in html  # what stands now
    with app.app_context():
        assert str(db.session.get(Fact, fact_id).value) == "415.00"
    again = post(second, f"/facts/{fact_id}/edit", **{**STATISTICS, "value": "999"}, version="2")
    assert again.status_code == 303


def test_the_attached_file_downloads_with_its_detected_type(app):
    member = client_for(app, "solleftea", "handlaggare")
    response = member.post(
        "/plans/1/facts/new",
        data={
            "csrf_token": Auth(member).csrf_token("/plans/1"),
            **STATISTICS,
            "file": (io.BytesIO(PDF_BYTES), "statistik.html"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    with app.app_context():
        fact_id = db.session.execute(select(Fact.id)).scalar_one()
    download = client_for(app, "kramfors", "lasare").get(f"/facts/{fact_id}/file")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert "statistik.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_removing_asks_first_and_is_audited(app):
    fact_id = record(app)
    member = client_for(app, "solleftea", "handlaggare")
    assert member.get(f"/facts/{fact_id}/remove").status_code == 200
    assert post(member, f"/facts/{fact_id}/remove", version="1").status_code == 303
    with app.app_context():
        assert db.session.get(Fact, fact_id) is None
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "fact.removed")
        ).scalar_one()
        assert event.details["source"] == "Polisens statistik"


def test_the_year_chooser_shows_the_chosen_year_only(app):
    record(app)
    record(app, fields={**SURVEY, "year": "2024"})
    page = client_for(app, "kramfors", "lasare").get("/plans/1/facts?year=2024")
    html = page.get_data(as_text=True)
    assert SURVEY["title"] in html and STATISTICS["title"] not in html
    assert '<option value="2025"' in html


def test_the_page_opens_on_the_newest_year_the_reader_has_facts_of(app):
    record(app, fields={**SURVEY, "year": "2024"})
    record(app, fields={**OBSERVATION, "year": "2025"})  # internal to Sollefteå
    page = client_for(app, "kramfors", "lasare").get("/plans/1/facts")
    html = page.get_data(as_text=True)
    assert "Faktauppgifter 2024" in html and SURVEY["title"] in html
    own = client_for(app, "solleftea", "lasare").get("/plans/1/facts").get_data(as_text=True)
    assert "Faktauppgifter 2025" in own and OBSERVATION["title"] in own


def test_an_indicator_takes_its_value_from_a_fact_and_follows_its_correction(app):
    from datetime import date

    from workspace.models import Activity, Indicator, Measurement
    from workspace.services import indicators

    with app.app_context():
        activity = db.session.get(Activity, 2)  # the police's radio-car visits
        indicator_id = indicators.add_indicator(
            demo_user("polisen", "samordnare"),
            activity,
            title="Anmälda tillgreppsbrott",
            unit="anmälda brott",
            target="500",
            period="year",
        ).id
    fact_id = record(app, org="polisen")
    police = client_for(app, "polisen", "handlaggare")
    page = police.get("/plans/1/facts?year=2025").get_data(as_text=True)
    assert "Använd som värde för Anmälda tillgreppsbrott" in page
    url = f"/facts/{fact_id}/indicators/{indicator_id}/value"
    assert post(police, url, measured_on="2025-12-31").status_code == 303
    # Internal: no indicator may take it, and the page says why.
    internal_id = record(app, org="polisen", fields={**STATISTICS, "visibility": "internal"})
    refused = post(
        police, f"/facts/{internal_id}/indicators/{indicator_id}/value", measured_on="2025-12-31"
    )
    assert refused.status_code == 403
    # The correction of the fact shows in the indicator, and its history says so.
    fixed = post(police, f"/facts/{fact_id}/edit", **{**STATISTICS, "value": "420"}, version="1")
    assert fixed.status_code == 303
    with app.app_context():
        measurement = db.session.execute(
            select(Measurement).where(Measurement.fact_id == fact_id)
        ).scalar_one()
        assert str(measurement.value) == "420.00" and measurement.measured_on == date(2025, 12, 31)
        assert "Polisens statistik" in measurement.source
        assert db.session.get(Indicator, indicator_id).measurements == [measurement]
        corrected = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "measurement.corrected")
        ).scalar_one()
        assert corrected.details["from_fact"] == STATISTICS["title"]
    # A fact that feeds an indicator stays shared; the value itself is corrected via the fact.
    hidden = post(
        police,
        f"/facts/{fact_id}/edit",
        **{**STATISTICS, "value": "420", "visibility": "internal"},
        version="2",
    )
    assert hidden.status_code == 422
    # Removing the fact leaves the value as it was, no longer tied to it.
    assert post(police, f"/facts/{fact_id}/remove", version="2").status_code == 303
    with app.app_context():
        kept = db.session.get(Measurement, measurement.id)
        assert kept.fact_id is None and str(kept.value) == "420.00" and kept.removed_at is None


def test_the_audit_log_names_the_fact_and_its_changes_in_swedish(app):
    fact_id = record(app)
    member = client_for(app, "solleftea", "handlaggare")
    post(member, f"/facts/{fact_id}/edit", **{**STATISTICS, "value": "415"}, version="1")
    log = client_for(app, "solleftea", "admin").get("/admin/audit").get_data(as_text=True)
    assert "Faktauppgift registrerad" in log and "Faktauppgift ändrad" in log
    assert "412 → 415" in log
