"""Indicators: targets on activities, logged values, progress as text, table and chart."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import Auth
from tests.factories import PASSWORD, demo_user, outside_tenant
from workspace.extensions import db
from workspace.models import Activity, Aggregation, Indicator, Measurement, Period
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


def log(app, indicator_id: int, value: str, day: date, who=("polisen", "handlaggare")):
    with app.app_context():
        return indicators.log_measurement(
            demo_user(*who),
            db.session.get(Indicator, indicator_id),
            value=value,
            measured_on=day,
            source="Polisens statistik",
        )


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
