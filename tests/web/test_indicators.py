"""Indicators: targets on activities, logged values, progress as text, table and chart."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import Auth
from tests.factories import PASSWORD, demo_user, outside_tenant
from workspace.extensions import db
from workspace.models import Activity, Aggregation, AuditEvent, Indicator, Measurement, Period
from workspace.services import indicators

RADIO = 2  # "Oplanerade besök på krogarna av polispatruller": the police's


def client_for(app, org: str, local_part: str):
    client = app.test_client()
    Auth(client).login(org, local_part)
    return client


def new_indicator(app, aggregation=Aggregation.SUM, period=Period.YEAR, target="12") -> int:
    with app.app_context():
        activity = db.session.get(Activity, RADIO)
        return indicators.add_indicator(
            demo_user("polisen", "samordnare"),
            activity,
            title="Grundligt besök av radiobil",
            unit="besök",
            target=target,
            period=period,
            aggregation=aggregation,
        ).id


def log(app, indicator_id: int, value: str, day: date, who=("polisen", "handlaggare")) -> int:
    with app.app_context():
        return indicators.log_measurement(
            demo_user(*who),
            db.session.get(Indicator, indicator_id),
            value=value,
            measured_on=day,
            source="Polisens statistik",
        ).id


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": Auth(client).csrf_token("/plans/1"), **data})


@pytest.mark.parametrize(
    ("aggregation", "values", "expected"),
    [
        (Aggregation.SUM, [("5", date(2012, 2, 1)), ("4", date(2012, 9, 1))], Decimal("9")),
        (Aggregation.LATEST, [("60", date(2012, 2, 1)), ("75", date(2012, 9, 1))], Decimal("75")),
        (Aggregation.SUM, [("2,5", date(2012, 2, 1)), ("0.5", date(2012, 3, 1))], Decimal("3")),
    ],
)
def test_progress_per_period(app, aggregation, values, expected):
    indicator_id = new_indicator(app, aggregation)
    for value, day in values:
        log(app, indicator_id, value, day)
    log(app, indicator_id, "1", date(2011, 6, 1))
    with app.app_context():
        points = indicators.progress(db.session.get(Indicator, indicator_id))
    assert [p.key for p in points] == ["2011", "2012"]
    assert points[-1].value == expected
    assert points[-1].percent == int((expected / 12 * 100).to_integral_value())
    assert points[-1].met is (expected >= 12)


def test_monthly_periods_are_named_in_swedish(app):
    indicator_id = new_indicator(app, period=Period.MONTH, target="1")
    log(app, indicator_id, "1", date(2012, 3, 14))
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        point = indicators.progress(db.session.get(Indicator, indicator_id))[0]
    assert (point.key, point.label, point.met) == ("2012-03", "mars 2012", True)


def test_the_activity_page_shows_progress_as_text_table_and_chart(app):
    indicator_id = new_indicator(app)
    log(app, indicator_id, "5", date(2011, 5, 1))
    log(app, indicator_id, "13", date(2012, 5, 1))
    html = client_for(app, "kramfors", "lasare").get(f"/activities/{RADIO}").get_data(as_text=True)
    section = html[html.index('id="indicators"') :]
    assert "Mål: minst 12 besök per år" in section
    assert "2012:</strong> 13 av 12 besök (108 %)" in section and "målet är nått" in section
    assert '<svg class="chart"' in section and 'role="img"' in section
    assert "<title" in section and "per period jämfört med målet" in section
    assert section.count('class="chart__bar') == 2 and "chart__bar--met" in section
    assert "<caption>Värden per period</caption>" in section
    assert '<th scope="row">2011</th><td>5</td><td>12</td><td>42 %</td>' in section


def test_a_coordinator_adds_a_target_through_the_form(app):
    coordinator = client_for(app, "polisen", "samordnare")
    response = post(
        coordinator,
        f"/activities/{RADIO}/indicators",
        title="Kontroll av samtliga krogar",
        unit="kontroller per krog",
        target="1",
        period="year",
        aggregation="latest",
    )
    assert response.status_code == 303 and "#indicator-" in response.headers["Location"]
    with app.app_context():
        indicator = db.session.execute(select(Indicator)).scalar_one()
        assert (indicator.target, indicator.aggregation) == (Decimal("1.00"), Aggregation.LATEST)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target": "tolv"}, "Skriv ett tal, till exempel 12 eller 2,5."),
        ({"target": "0"}, "Målet måste vara större än noll."),
        ({"target": "NaN"}, "Skriv ett tal, till exempel 12 eller 2,5."),
        ({"title": ""}, "Beskriv vad som mäts."),
        ({"period": "weekly"}, "Inte ett giltigt val"),
    ],
)
def test_a_bad_target_is_refused_with_a_message(app, data, message):
    coordinator = client_for(app, "polisen", "samordnare")
    fields = {
        "title": "Besök",
        "unit": "besök",
        "target": "12",
        "period": "year",
        "aggregation": "sum",
    }
    response = post(coordinator, f"/activities/{RADIO}/indicators", **{**fields, **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Indicator.id))) == 0


def test_members_log_values_and_others_cannot(app):
    indicator_id = new_indicator(app)
    url = f"/indicators/{indicator_id}/measurements"
    fields = {"value": "3", "measured_on": "2012-04-01", "source": "RAR"}
    assert post(client_for(app, "polisen", "handlaggare"), url, **fields).status_code == 303
    # Kramfors has no assignment on the police's activity; a viewer logs nothing.
    assert post(client_for(app, "kramfors", "handlaggare"), url, **fields).status_code == 403
    assert post(client_for(app, "polisen", "lasare"), url, **fields).status_code == 403
    assert (
        post(
            client_for(app, "polisen", "handlaggare"),
            f"/activities/{RADIO}/indicators",
            title="x",
            unit="x",
            target="1",
            period="year",
            aggregation="sum",
        ).status_code
        == 403
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(Measurement.id))) == 1
        email = outside_tenant().email
    outsider = app.test_client()
    Auth(outsider).login("harnosand", email, PASSWORD)
    assert post(outsider, url, **fields).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"value": "-1"}, "Ett värde kan inte vara negativt."),
        ({"value": "1e400"}, "Skriv ett tal"),
        ({"source": " "}, "Ange källan till värdet."),
        ({"measured_on": "2012-13-01"}, "Inte ett giltigt datum"),
    ],
)
def test_a_bad_value_is_refused_and_the_form_kept(app, data, message):
    indicator_id = new_indicator(app)
    fields = {"value": "3", "measured_on": "2012-04-01", "source": "RAR", **data}
    response = post(
        client_for(app, "polisen", "handlaggare"),
        f"/indicators/{indicator_id}/measurements",
        **fields,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="indicator__log" open' in html
    assert message in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Measurement.id))) == 0


# --- Correcting and removing values, editing and archiving indicators ------------------------

HX = {"HX-Request": "true"}
TOMORROW = (date.today() + timedelta(days=2)).isoformat()  # in the future in every time zone


def version_of(app, model, id_: int) -> int:
    with app.app_context():
        return db.session.get(model, id_).version


def activity_html(app, who=("kramfors", "lasare")) -> str:
    return client_for(app, *who).get(f"/activities/{RADIO}").get_data(as_text=True)


def active_list(html: str) -> str:
    """The activity page's indicators, without the archived ones."""
    section = html[html.index('id="indicators"') :]
    return section.split("indicators__archived")[0]


def shown_text(html: str) -> str:
    """What a reader sees: tags and their attributes (CSRF tokens, ids) left out."""
    return re.sub(r"<[^>]*>", " ", html)


def test_a_reporter_corrects_a_mistyped_value_in_place(app):
    indicator_id = new_indicator(app)
    measurement_id = log(app, indicator_id, "130", date(2012, 5, 1))
    member = client_for(app, "polisen", "handlaggare")

    form = member.get(f"/measurements/{measurement_id}/edit", headers=HX)
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and "<html" not in html
    assert f'id="indicator-{indicator_id}"' in html and 'value="130"' in html

    saved = post(
        member,
        f"/measurements/{measurement_id}",
        value="13",
        measured_on="2012-05-01",
        source="Polisens statistik",
        version="1",
    )
    assert saved.status_code == 303 and f"#indicator-{indicator_id}" in saved.headers["Location"]
    page = activity_html(app)
    assert "2012:</strong> 13 av 12 besök (108 %)" in page
    assert "130" not in shown_text(active_list(page))
    # Who logged it and who corrected it, on the page and in the audit log.
    with app.app_context():
        logger = demo_user("polisen", "handlaggare")
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "measurement.corrected")
        ).scalar_one()
        assert event.user_id == logger.id
        assert event.details["changes"] == {"value": ["130", "13"]}
        assert event.details["logged_by"] == logger.name
    row = page[page.index(f'id="measurement-{measurement_id}"') :].split("</tr>")[0]
    assert logger.name in row and f"av {logger.name}" in row


def test_the_correction_answers_htmx_with_the_fresh_card(app):
    indicator_id = new_indicator(app)
    measurement_id = log(app, indicator_id, "5", date(2012, 5, 1))
    member = client_for(app, "polisen", "handlaggare")
    token = Auth(member).csrf_token("/plans/1")
    answer = member.post(
        f"/measurements/{measurement_id}",
        data={"value": "7", "measured_on": "2012-05-01", "source": "RAR", "version": "1"},
        headers={**HX, "X-CSRFToken": token},
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" not in html
    assert "2012:</strong> 7 av 12 besök" in html and "<form" in html


def test_a_removed_value_leaves_the_page_and_its_chart(app):
    indicator_id = new_indicator(app)
    keep = log(app, indicator_id, "5", date(2011, 5, 1))
    wrong = log(app, indicator_id, "999", date(2012, 5, 1))
    member = client_for(app, "polisen", "handlaggare")
    removed = post(member, f"/measurements/{wrong}/remove", version="1")
    assert removed.status_code == 303
    section = active_list(activity_html(app))
    assert "999" not in shown_text(section) and "2012" not in shown_text(section)
    assert f'id="measurement-{keep}"' in section and section.count('class="chart__bar') == 1
    # Gone for good from the user's point of view; the audit log says what it was.
    assert post(member, f"/measurements/{wrong}/remove", version="1").status_code == 404
    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "measurement.removed")
        ).scalar_one()
        assert (event.details["value"], event.details["measured_on"]) == ("999", "2012-05-01")


@pytest.mark.parametrize("where", ["create", "edit"])
def test_a_value_dated_in_the_future_is_refused(app, where):
    indicator_id = new_indicator(app)
    measurement_id = log(app, indicator_id, "5", date(2012, 5, 1))
    member = client_for(app, "polisen", "handlaggare")
    fields = {"value": "6", "measured_on": TOMORROW, "source": "RAR"}
    if where == "create":
        response = post(member, f"/indicators/{indicator_id}/measurements", **fields)
    else:
        response = post(member, f"/measurements/{measurement_id}", version="1", **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Datumet ligger i framtiden" in html
    assert f'value="{TOMORROW}"' in html  # what the user typed is kept
    with app.app_context():
        values = db.session.execute(select(Measurement.value, Measurement.measured_on)).all()
        assert values == [(Decimal("5.00"), date(2012, 5, 1))]


def test_two_people_correcting_the_same_value_the_second_gets_409_with_both(app):
    indicator_id = new_indicator(app)
    measurement_id = log(app, indicator_id, "130", date(2012, 5, 1))
    first = client_for(app, "polisen", "handlaggare")
    second = client_for(app, "polisen", "samordnare")
    # Both open the value while it is 130 (version 1).
    for client in (first, second):
        assert client.get(f"/measurements/{measurement_id}/edit").status_code == 200
    url = f"/measurements/{measurement_id}"
    fields = {"measured_on": "2012-05-01", "source": "RAR", "version": "1"}
    assert post(first, url, value="13", **fields).status_code == 303
    late = post(second, url, value="31", **fields)
    html = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "Någon annan rättade värdet medan du redigerade." in html
    conflict = html[html.index('class="conflict"') :].split("</div>")[0]
    assert "13 besök" in conflict and "31 besök" in conflict  # theirs and mine
    assert 'value="31"' in html and 'name="version" value="2"' in html
    with app.app_context():
        assert db.session.get(Measurement, measurement_id).value == Decimal("13.00")
    # Saving anyway, knowingly, goes through.
    assert post(second, url, value="31", **{**fields, "version": "2"}).status_code == 303


def test_removing_a_value_someone_just_corrected_gets_409(app):
    indicator_id = new_indicator(app)
    measurement_id = log(app, indicator_id, "130", date(2012, 5, 1))
    member = client_for(app, "polisen", "handlaggare")
    fields = {"measured_on": "2012-05-01", "source": "RAR", "version": "1"}
    assert post(member, f"/measurements/{measurement_id}", value="13", **fields).status_code == 303
    late = post(
        client_for(app, "polisen", "samordnare"),
        f"/measurements/{measurement_id}/remove",
        version="1",
    )
    html = late.get_data(as_text=True)
    assert late.status_code == 409 and "Någon annan rättade värdet" in html and "13 besök" in html
    with app.app_context():
        assert db.session.get(Measurement, measurement_id).removed_at is None


def test_only_the_logging_organisation_corrects_its_values(app):
    indicator_id = new_indicator(app)
    measurement_id = log(app, indicator_id, "5", date(2012, 5, 1))
    fields = {"value": "6", "measured_on": "2012-05-01", "source": "RAR", "version": "1"}
    for who in (("polisen", "lasare"), ("kramfors", "samordnare")):
        client = client_for(app, *who)
        assert post(client, f"/measurements/{measurement_id}", **fields).status_code == 403
        assert (
            post(client, f"/measurements/{measurement_id}/remove", version="1").status_code == 403
        )
    # Nor is the control offered to them.
    page = activity_html(app, ("kramfors", "samordnare"))
    assert f"/measurements/{measurement_id}/edit" not in page
    assert f"/measurements/{measurement_id}/edit" in activity_html(app, ("polisen", "handlaggare"))


def test_a_personal_identity_number_in_a_source_is_refused(app):
    indicator_id = new_indicator(app)
    response = post(
        client_for(app, "polisen", "handlaggare"),
        f"/indicators/{indicator_id}/measurements",
        value="3",
        measured_on="2012-04-01",
        source="Anmälan 19121212-1212",
    )
    assert (
        response.status_code == 422
        and "Ta bort personnumret (19121212-1212)" in response.get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(Measurement.id))) == 0


INDICATOR_FIELDS = {
    "title": "Grundligt besök av radiobil",
    "unit": "besök",
    "target": "24",
    "period": "year",
    "aggregation": "sum",
}


def test_a_coordinator_edits_an_indicator_and_a_member_may_not(app):
    indicator_id = new_indicator(app)
    log(app, indicator_id, "13", date(2012, 5, 1))
    member = client_for(app, "polisen", "handlaggare")
    assert member.get(f"/indicators/{indicator_id}/edit").status_code == 403
    assert (
        post(member, f"/indicators/{indicator_id}", version="1", **INDICATOR_FIELDS).status_code
        == 403
    )
    coordinator = client_for(app, "kramfors", "samordnare")  # any participant's coordinator
    form = coordinator.get(f"/indicators/{indicator_id}/edit", headers=HX).get_data(as_text=True)
    assert "<html" not in form and 'value="12"' in form
    saved = post(coordinator, f"/indicators/{indicator_id}", version="1", **INDICATOR_FIELDS)
    assert saved.status_code == 303
    assert "2012:</strong> 13 av 24 besök (54 %)" in activity_html(app)
    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "indicator.changed")
        ).scalar_one()
        assert event.details["changes"] == {"target": ["12", "24"]}


def test_two_coordinators_editing_one_indicator_the_second_gets_409(app):
    indicator_id = new_indicator(app)
    url = f"/indicators/{indicator_id}"
    first = client_for(app, "polisen", "samordnare")
    assert post(first, url, version="1", **INDICATOR_FIELDS).status_code == 303
    late = post(
        client_for(app, "kramfors", "samordnare"),
        url,
        version="1",
        **{**INDICATOR_FIELDS, "target": "6"},
    )
    html = late.get_data(as_text=True)
    assert late.status_code == 409 and "Någon annan ändrade måttet medan du redigerade." in html
    conflict = html[html.index('class="conflict"') :].split("</div>")[0]
    assert "minst 24 besök" in conflict and "minst 6 besök" in conflict
    with app.app_context():
        assert db.session.get(Indicator, indicator_id).target == Decimal("24.00")


def test_an_archived_indicator_leaves_the_list_and_dashboard_and_can_be_restored(app):
    indicator_id = new_indicator(app)
    log(app, indicator_id, "13", date(2012, 5, 1))
    member = client_for(app, "polisen", "handlaggare")
    assert post(member, f"/indicators/{indicator_id}/archive").status_code == 403
    coordinator = client_for(app, "polisen", "samordnare")
    assert post(coordinator, f"/indicators/{indicator_id}/archive").status_code == 303

    page = activity_html(app)
    assert "Grundligt besök av radiobil" not in active_list(page)
    archived = page[page.index("indicators__archived") :]
    assert "Arkiverade mått (1)" in archived and "13 av 12 besök" in archived  # values kept
    dashboard = client_for(app, "kramfors", "lasare").get("/plans/1/dashboard")
    assert "Grundligt besök av radiobil" not in dashboard.get_data(as_text=True)
    # Nobody logs values on it any more.
    logged = post(
        member,
        f"/indicators/{indicator_id}/measurements",
        value="1",
        measured_on="2012-06-01",
        source="RAR",
    )
    assert logged.status_code == 403

    assert post(member, f"/indicators/{indicator_id}/restore").status_code == 403
    assert post(coordinator, f"/indicators/{indicator_id}/restore").status_code == 303
    assert "13 av 12 besök" in active_list(activity_html(app))
    with app.app_context():
        actions = db.session.execute(
            select(AuditEvent.action).where(AuditEvent.action.like("indicator.%"))
        ).scalars()
        assert list(actions) == ["indicator.added", "indicator.archived", "indicator.restored"]


def test_the_dashboard_shows_each_indicators_latest_value_against_its_target(app):
    indicator_id = new_indicator(app)
    log(app, indicator_id, "5", date(2011, 5, 1))
    log(app, indicator_id, "13", date(2012, 5, 1))
    html = client_for(app, "kramfors", "lasare").get("/plans/1/dashboard").get_data(as_text=True)
    section = html[html.index('id="indicators-title"') :]
    assert "<caption" in section and '<th scope="col">Senaste värde</th>' in section
    row = section[section.index(f"#indicator-{indicator_id}") :].split("</tr>")[0]
    assert "Grundligt besök av radiobil" in row
    assert "<td>2012</td>" in row and "<td>13 besök</td>" in row
    assert "minst 12 besök per år" in row and "108 %" in row and "målet är nått" in row
