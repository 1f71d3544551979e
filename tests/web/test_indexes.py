"""Every query the pages run finds its rows of assignments, comments and status changes
through an index, on SQLite and on PostgreSQL.

The SQL of each page is captured as it runs and explained on the same database: SQLite's
`EXPLAIN QUERY PLAN` must not `SCAN` those tables except through an index; PostgreSQL's
`EXPLAIN` must not show a `Seq Scan` on them. PostgreSQL prefers a sequential scan on tiny
tables even when an index exists, so the check runs with `SET enable_seqscan = off`: a
sequential scan that remains then means no index could serve the query.
"""

from __future__ import annotations

import re
from datetime import date

from flask import Flask
from sqlalchemy import event

from bench.grow import grow_plan
from tests.conftest import Auth
from tests.factories import assignment, demo_user, seed_plan
from workspace.extensions import db
from workspace.models import RoundKind
from workspace.services import rounds
from workspace.services.live import current_marker

WATCHED = ("assignments", "comments", "status_changes")
TOUCHES = re.compile(rf"\b(?:FROM|JOIN)\s+({'|'.join(WATCHED)})\b", re.IGNORECASE)
SQLITE_SCAN = re.compile(r"^SCAN (\w+)")
POSTGRES_SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")


def captured_selects(app: Flask, client, auth: Auth) -> list[tuple[str, object]]:
    """(statement, parameters) of every SELECT on a watched table while a member works:
    overview, activity page, editor, status save, comment, polls with and without news."""
    with app.app_context():
        plan = seed_plan()
        rounds.open_round(
            demo_user("kramfors", "samordnare"),
            plan,
            RoundKind.WORKING_GROUP,
            "Arbetsgrupp april",
            date(2012, 4, 15),
        )
        grow_plan(plan, 1, comments_per_activity=2, changes_per_assignment=1)
        plan_id = plan.id
        target = assignment("kramfors", "ION", 1, 3)
        assignment_id, activity_id, version = target.id, target.activity_id, target.version
        marker = current_marker(demo_user("kramfors", "handlaggare"), plan_id=plan_id)
        engine = db.engine
    auth.login("kramfors", "handlaggare")
    htmx = {"HX-Request": "true", "X-CSRFToken": auth.csrf_token(f"/plans/{plan_id}")}
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and TOUCHES.search(statement):
            seen.append((statement, parameters))

    stale = f"since={marker.status_change - 5}&comments={marker.comment - 5}"
    event.listen(engine, "before_cursor_execute", capture)
    try:
        for response in (
            client.get(f"/plans/{plan_id}"),
            client.get(f"/plans/{plan_id}?organisation=kramfors&status=ongoing"),
            client.get(f"/activities/{activity_id}"),
            client.get(f"/plans/{plan_id}/discussion"),
            client.get(f"/assignments/{assignment_id}/status/edit", headers=htmx),
            client.post(
                f"/assignments/{assignment_id}/status",
                data={"status": "done", "version": version, "next": f"/plans/{plan_id}"},
                headers=htmx,
            ),
            client.post(
                f"/activities/{activity_id}/comments",
                data={"body": "Index?", "visibility": "shared"},
                headers=htmx,
            ),
            client.get(f"/plans/{plan_id}/updates?{stale}", headers=htmx),
            client.get(f"/activities/{activity_id}/updates?{stale}", headers=htmx),
        ):
            assert response.status_code == 200, response.request.path
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert seen, "no query touched the watched tables"
    return seen


def full_scans(app: Flask, statement: str, parameters: object) -> list[str]:
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            details = [row[-1] for row in rows]
            return [
                d
                for d in details
                if (match := SQLITE_SCAN.match(d))
                and match.group(1) in WATCHED
                and "USING" not in d
            ]
        conn.exec_driver_sql("SET enable_seqscan = off")
        rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        details = [row[0] for row in rows]
        return [
            d
            for d in details
            if (match := POSTGRES_SEQ_SCAN.search(d)) and match.group(1) in WATCHED
        ]


def test_pages_read_assignments_comments_and_history_through_indexes(
    app: Flask, client, auth: Auth
) -> None:
    problems = []
    for statement, parameters in captured_selects(app, client, auth):
        scans = full_scans(app, statement, parameters)
        if scans:
            problems.append(f"{'; '.join(scans)}\n    in: {' '.join(statement.split())}")
    assert not problems, "full table scans:\n" + "\n".join(problems)
