"""The dashboard: server-drawn charts with the same numbers in tables."""

from __future__ import annotations

import re
from datetime import date

from tests.conftest import Auth
from tests.factories import PASSWORD, assignment, demo_user, outside_tenant, seed_plan
from workspace.services import rounds
from workspace.services.assignments import change_status


def row(html: str, label: str) -> list[int]:
    cells = re.search(rf"<tr><th scope=\"row\">{re.escape(label)}</th>(.*?)</tr>", html).group(1)
    return [int(n) for n in re.findall(r"<td>(\d+)</td>", cells)]


def test_status_per_area_organisation_and_round(app):
    with app.app_context():
        coordinator = demo_user("kramfors", "samordnare")
        rnd = rounds.open_round(
            coordinator, seed_plan(), "working_group", "April 2012", date(2012, 4, 1)
        )
        rounds.close_round(coordinator, rnd)
        change_status(
            demo_user("kramfors", "handlaggare"), assignment("kramfors", "SBN", 2, 3), "done"
        )
    client = app.test_client()
    Auth(client).login("polisen", "lasare")
    html = client.get("/plans/1/dashboard").get_data(as_text=True)
    assert html.count('class="status-bars"') == 3 and html.count("<table") == 3
    assert 'role="img"' in html and "<caption" in html
    # Columns: not started, in progress, ongoing, done, delayed, cancelled, total.
    assert row(html, "1. Våld i offentlig miljö") == [3, 2, 3, 2, 1, 0, 11]
    assert row(html, "Kramfors kommun")[-1] == 17
    assert row(html, "Skatteverket") == [0, 1, 0, 0, 0, 0, 1]
    # The closed round keeps its snapshot; "Nu" has the change made after it.
    april, now = row(html, "April 2012"), row(html, "Nu")
    assert april[-1] == now[-1] == 62
    assert now[3] == april[3] + 1 and now[4] == april[4] - 1


def test_another_tenant_gets_404(app):
    with app.app_context():
        email = outside_tenant().email
    client = app.test_client()
    Auth(client).login("harnosand", email, PASSWORD)
    assert client.get("/plans/1/dashboard").status_code == 404
