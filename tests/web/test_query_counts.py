"""Guards against N+1 queries: what a page costs in queries must not grow with the plan.

The demo plan is measured with a little history, then grown to three times its size through
the services (`bench/grow.py`), and measured again; `bench/run` does the same at 10 and 100
times with timings.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from flask import Flask
from sqlalchemy import event

from bench.grow import grow_plan
from tests.conftest import Auth
from tests.factories import assignment, demo_user, outside_tenant, seed_plan
from workspace.extensions import db
from workspace.models import RoundKind
from workspace.services import plans, rounds
from workspace.services.live import current_marker

HX = {"HX-Request": "true"}


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs."""
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def page_costs(app: Flask, client) -> dict[str, int]:
    """Queries of the overview, an activity page and idle polls, each after a warm-up."""
    with app.app_context():
        plan_id = seed_plan().id
        activity_id = assignment("kramfors", "ION", 1, 3).activity_id
    pages = {
        "overview": (f"/plans/{plan_id}", 200),
        "activity": (f"/activities/{activity_id}", 200),
        "overview poll": (f"/plans/{plan_id}/updates", 204),
        "activity poll": (f"/activities/{activity_id}/updates", 204),
    }
    costs = {}
    for name, (url, status) in pages.items():
        for _ in ("warm-up", "measured"):
            target = poll_url(app, url) if status == 204 else url
            with counted(app) as statements:
                response = client.get(target, headers=HX if status == 204 else {})
            assert response.status_code == status, name
        costs[name] = len(statements)
    return costs


def poll_url(app: Flask, updates: str) -> str:
    """The poll of a page that is up to date, for the user these tests log in as."""
    kind, number = updates.strip("/").split("/")[:2]
    scope = {"plans": "plan_id", "activities": "activity_id"}[kind]
    with app.app_context():
        marker = current_marker(demo_user("kramfors", "handlaggare"), **{scope: int(number)})
    return f"{updates}?since={marker.status_change}&comments={marker.comment}"


def grow(app: Flask, factor: int) -> None:
    with app.app_context():
        grow_plan(seed_plan(), factor, comments_per_activity=2, changes_per_assignment=1)


def test_page_queries_do_not_grow_with_the_plan(app: Flask, client, auth: Auth) -> None:
    with app.app_context():
        # An open round puts reminders on the overview.
        rounds.open_round(
            demo_user("kramfors", "samordnare"),
            seed_plan(),
            RoundKind.WORKING_GROUP,
            "Arbetsgrupp april",
            date(2012, 4, 15),
        )
    grow(app, 1)
    auth.login("kramfors", "handlaggare")
    seed = page_costs(app, client)
    grow(app, 3)
    grown = page_costs(app, client)
    assert grown == seed
    assert seed["overview"] <= 10
    assert seed["overview poll"] == seed["activity poll"] == 1


def test_the_idle_poll_query_checks_the_session_and_the_access(app: Flask, client, auth) -> None:
    """The one query of an idle poll still ends a session whose token changed, and still
    answers 404 for another tenant's plan."""
    auth.login("kramfors", "handlaggare")
    with app.app_context():
        plan_id = seed_plan().id
        other = outside_tenant()
        foreign = plans.create_plan("Härnösands plan", 2012, [other.organisation], other).id
    assert client.get(poll_url(app, f"/plans/{plan_id}/updates"), headers=HX).status_code == 204
    assert client.get(poll_url(app, f"/plans/{foreign}/updates"), headers=HX).status_code == 404
    with app.app_context():
        user = demo_user("kramfors", "handlaggare")
        user.session_token = "changed-elsewhere"
        db.session.commit()
    answer = client.get(poll_url(app, f"/plans/{plan_id}/updates"), headers=HX)
    assert answer.status_code == 401
    assert "HX-Redirect" in answer.headers
