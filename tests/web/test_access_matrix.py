"""The access matrix, generated: every endpoint of `app.url_map`, requested by anonymous and
by each role of the owning organisation, of another organisation in the same plan and of a
tenant outside it, answers what `workspace.policy` says it should (see `access_matrix.py`)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.conftest import csrf_token_from
from tests.factories import demo_user, seed_plan
from tests.web.access_matrix import (
    IDENTITIES,
    MATRIX,
    OWNER,
    Identity,
    Outcome,
    Route,
    Seen,
    World,
    report,
    round_,
    session_id,
)
from workspace.extensions import db
from workspace.models import (
    Activity,
    Area,
    Assignment,
    Evidence,
    FollowUpRound,
    Function,
    Organisation,
    Report,
    Role,
)
from workspace.services import content, rounds

ALLOWED_ERRORS = {400, 409, 422}  # a validation answer: the user got in, the form did not


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            routes.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    missing = sorted(set(routes) - set(MATRIX))
    assert not missing, (
        f"{', '.join(missing)}: add it to the access matrix in tests/web/access_matrix.py"
    )
    gone = sorted(set(MATRIX) - set(routes))
    assert not gone, f"{', '.join(gone)}: no such route any more; remove it from the matrix"
    for endpoint, methods in routes.items():
        assert methods == set(MATRIX[endpoint].guards), (
            f"{endpoint} answers {sorted(methods)}: give each method a guard in the access matrix"
        )


def _client(app: Flask, who: Identity) -> FlaskClient:
    """A client logged in as `who`: the session the login form would have started."""
    client = app.test_client()
    if who.role is not None:
        with app.app_context():
            user_session = session_id(who)
        with client.session_transaction() as session:
            session["_user_id"] = user_session
            session["_fresh"] = True
    return client


def _sent_to_login(response: TestResponse) -> bool:
    """The answer `login_required` gives: a 302 to the login page, or for htmx a 401 with
    HX-Redirect (logging out also ends on the login page, but with a 303)."""
    if response.status_code == 302:
        return urlsplit(response.headers.get("Location", "")).path == "/login"
    if response.status_code == 401:
        return urlsplit(response.headers.get("HX-Redirect", "")).path == "/login"
    return False


def _answers_as_expected(outcome: Outcome, response: TestResponse) -> bool:
    status = response.status_code
    if outcome is Outcome.ALLOW:
        return (200 <= status < 400 and not _sent_to_login(response)) or status in ALLOWED_ERRORS
    if outcome is Outcome.LOGIN:
        return status == 302 and _sent_to_login(response)
    if outcome is Outcome.DENY:
        return status == 403
    return status == 404


def _request(
    app: Flask,
    client: FlaskClient,
    endpoint: str,
    method: str,
    route: Route,
    world: World,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> tuple[str, TestResponse]:
    with app.test_request_context():
        url = url_for(endpoint, **route.args(world))
    data = {**route.body, "csrf_token": token} if method == "POST" else None
    return url, client.open(url, method=method, data=data, headers=headers)


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(app: Flask, endpoint: str) -> None:
    route = MATRIX[endpoint]
    world = World()
    failures = []
    for who in IDENTITIES:
        client = _client(app, who)
        token = None
        if "POST" in route.guards:
            # The testing config keeps CSRF on: every POST carries a valid token.
            page = client.get("/account" if who.role else "/login")
            token = csrf_token_from(page.get_data(as_text=True))
        for method in sorted(route.guards):
            outcome = route.expected(method, who)
            try:
                url, response = _request(app, client, endpoint, method, route, world, token)
            except Exception as error:  # a crash is a finding: report it with the rest
                failures.append(f"{method} {endpoint} as {who.name}: raised {error!r}")
                continue
            got = f"{response.status_code} {response.headers.get('Location', '')}".strip()
            if not _answers_as_expected(outcome, response):
                failures.append(
                    f"{method} {url} as {who.name}: expected {outcome.value}, got {got}"
                )
            if route.seen is not Seen.NO_OBJECT and who.org != OWNER:
                # Another tenant's private object, or any object of a plan one is not in.
                foreign = route.seen is Seen.PRIVATE or outcome is Outcome.HIDE
                if foreign and response.status_code == 200:
                    failures.append(f"{method} {url} as {who.name}: another tenant's object, 200")
            if outcome is Outcome.LOGIN:
                # htmx must not swap the login page into a fragment: 401 and HX-Redirect.
                _url, fragment = _request(
                    app, client, endpoint, method, route, world, token, {"HX-Request": "true"}
                )
                if fragment.status_code != 401 or not _sent_to_login(fragment):
                    failures.append(
                        f"htmx {method} {url} as {who.name}: expected 401 with HX-Redirect to "
                        f"/login, got {fragment.status_code}"
                    )
    assert not failures, "\n".join(failures)


def test_ids_of_two_plans_do_not_mix(app: Flask) -> None:
    """A round of one plan and an assignment of another: no such report, even for a member
    whose organisation takes part in both plans, and nothing is written."""
    world = World()
    with app.app_context():
        round_id = world.round_id
        next_plan = content.copy_plan(
            demo_user(OWNER, "samordnare"), seed_plan(), title="Nästa plan", period_start=2030
        )
        foreign = db.session.execute(
            select(Assignment.id)
            .join(Activity)
            .join(Area)
            .join(Function)
            .join(Organisation)
            .where(Area.plan_id == next_plan.id, Organisation.slug == OWNER)
            .limit(1)
        ).scalar_one()
    client = _client(app, Identity(OWNER, Role.ADMIN))
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    url = f"/rounds/{round_id}/reports/{foreign}"
    assert client.get(url).status_code == 404
    body = {"csrf_token": token, "what_was_done": "Gjort.", "kind": "report", "title": "Underlag"}
    assert client.post(url, data=body).status_code == 404
    assert client.post(f"{url}/evidence", data=body).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(Report.id))) == 0


# What changes a round's reports; once it is closed nobody may, but a refusal still says why.
CLOSED_ROUND_ARGS = {
    "rounds.report": report,
    "rounds.add_evidence": report,
    "rounds.delete_evidence": lambda world: {"evidence_id": world.evidence_id},
    "rounds.close": round_,
}


@pytest.mark.parametrize("endpoint", sorted(CLOSED_ROUND_ARGS))
def test_a_closed_round_refuses_by_the_same_rules(app: Flask, endpoint: str) -> None:
    """Who may not act gets 403 or 404 as in an open round; who may is told the round is
    closed; nothing changes."""
    route, world = MATRIX[endpoint], World()
    with app.app_context():
        args = CLOSED_ROUND_ARGS[endpoint](world)
        world.evidence_id  # noqa: B018 - the report has evidence that must stay
        rnd = db.session.get(FollowUpRound, world.round_id)
        rounds.close_round(demo_user(OWNER, "samordnare"), rnd, "Rådet har mötts.")
    with app.test_request_context():
        url = url_for(endpoint, **args)
    failures = []
    for who in IDENTITIES:
        client = _client(app, who)
        token = csrf_token_from(
            client.get("/account" if who.role else "/login").get_data(as_text=True)
        )
        body = {"csrf_token": token, "what_was_done": "Ändrat i efterhand.", "confirm": "y"}
        response = client.post(url, data=body)
        outcome = route.expected("POST", who)
        if outcome is Outcome.ALLOW:
            # In place, with the form and why: nothing the user typed is thrown away.
            told = response.status_code == 409 and "Uppföljningen är stängd" in response.get_data(
                as_text=True
            )
        else:
            told = _answers_as_expected(outcome, response)
        if not told:
            failures.append(
                f"POST {url} as {who.name}: expected {outcome.value}, got "
                f"{response.status_code} {response.headers.get('Location', '')}"
            )
    assert not failures, "\n".join(failures)
    with app.app_context():
        assert db.session.scalar(select(func.count(Evidence.id))) == 1
        entry = db.session.get(Report, world.report_id)
        assert entry.what_was_done == "Kontrollerna är gjorda."
