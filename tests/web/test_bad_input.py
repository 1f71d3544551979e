"""Bad input never breaks the app: hypothesis posts random text (control characters, NUL,
texts of a megabyte), wrong types, missing and doubled fields to every POST endpoint.

Whatever arrives, the answer is never a 5xx; a refused request (4xx) changes nothing in the
database and tells the user why. Path and query parameters of the wrong type answer 400 or
404. Run it on PostgreSQL too (`scripts/with-postgres`): it refuses NUL in text outright.

Profiles: `ci` (the default) is derandomized and small, so every run tries the same
examples; `HYPOTHESIS_PROFILE=explore` tries many more, at random, on a developer's machine.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from tests.conftest import csrf_token_from
from tests.factories import assignment, demo_user, seed_plan
from tests.oidc_provider import shared_provider
from workspace.extensions import db
from workspace.models import (
    Aggregation,
    AssignmentStatus,
    Delivery,
    EvidenceKind,
    NotificationKind,
    Period,
    Role,
    RoundKind,
    Visibility,
)
from workspace.services import (
    accounts,
    council,
    evaluation,
    facts,
    indicators,
    notifications,
    publication,
    rounds,
    situation,
    threads,
)
from workspace.services.notifications import CHOOSABLE_KINDS

settings.register_profile(
    "ci",
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# --- What arrives: random text, nasty text, wrong types -------------------------------------

# Surrogates cannot be encoded as UTF-8, so no browser can send them.
_ANY_CHAR = st.characters(exclude_categories=("Cs",))
_CONTROL = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.just("\x7f")
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00" * 50,
    "\r\n\r\n",
    "\t\x0b\x0c\x1b[31m",
    "\u202eevil\u202c",
    "\ufeff",
    "𝕊𝕒𝕞𝕧𝕖𝕣𝕜𝕒𝕟 🇸🇪",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "'; DROP TABLE users; --",
    '=HYPERLINK("https://evil.example")',
    "0",
    "-1",
    "1e309",
    "NaN",
    "١٢٣",
    str(2**64),
    str(-(2**70)),
]

random_text = st.one_of(
    st.text(_ANY_CHAR, max_size=60),
    st.text(_ANY_CHAR | _CONTROL, max_size=60),
    st.sampled_from(NASTY),
    # Long texts: over every length limit, up to a megabyte. Beyond a few thousand characters
    # plain ones, since decoding a megabyte of %-escapes takes the test client seconds.
    st.builds(
        lambda piece, n: (piece * n)[:n],
        st.text(_ANY_CHAR | _CONTROL, min_size=1, max_size=5),
        st.sampled_from([256, 1_001, 5_001]),
    ),
    st.builds(
        lambda piece, n: (piece * n)[:n],
        st.text("abc XYZ 123", min_size=1, max_size=5),
        st.sampled_from([100_000, 1_000_000]),
    ),
)
integers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["0", "-1", "1.5", "1e3", "0x10", "١", " 7 "]),
)
dates = st.one_of(
    st.dates().map(date.isoformat),
    st.sampled_from(["2024-02-30", "0000-00-00", "99999-01-01", "-2024-01-01", "2024-1-1"]),
)


def choice(*values: str) -> st.SearchStrategy[str]:
    """Mostly a value the form offers, sometimes anything at all."""
    return st.one_of(st.sampled_from(values), random_text)


def text_field() -> st.SearchStrategy[str]:
    return random_text


def int_field() -> st.SearchStrategy[str]:
    return st.one_of(integers, random_text)


def date_field() -> st.SearchStrategy[str]:
    return st.one_of(dates, random_text)


def bool_field() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(["y", "on", "", "false"]), random_text)


def ids_field() -> st.SearchStrategy[str]:
    """A multiple choice of ids: existing ones, missing ones, text (doubling gives several)."""
    return st.one_of(
        st.integers(min_value=1, max_value=60).map(str), st.just(str(2**63)), random_text
    )


def file_field() -> st.SearchStrategy[Any]:
    return st.one_of(
        random_text,
        st.builds(
            lambda body, name: (io.BytesIO(body), name),
            st.binary(max_size=200),
            st.sampled_from(["a.pdf", "x.exe", "", "\x00.pdf", "../../etc/passwd", "å.docx"]),
        ),
    )


# --- The app's POST endpoints and the fields each takes -------------------------------------


@dataclass
class Targets:
    """Ids of objects the fuzzed user may act on, made through the services."""

    plan: int
    area: int
    activity: int
    assignment: int
    round: int
    indicator: int
    measurement: int
    comment: int
    evidence: int
    colleague: int
    token: str
    notification: int
    fact: int
    picture: int
    problem: int
    evaluation: int
    meeting: int


@dataclass(frozen=True)
class Endpoint:
    path: Callable[[Targets], str]
    fields: dict[str, Callable[[], st.SearchStrategy[Any]]]
    # None: posts without being logged in.
    user: tuple[str, str] | None = ("kramfors", "admin")
    # Tables a refused request may still write to, with the reason in a comment.
    may_touch: frozenset[str] = frozenset()


COMMENT_FIELDS = {
    "body": text_field,
    "visibility": lambda: choice(*[v.value for v in Visibility]),
    "confirm_no_personal_data": bool_field,
}
USER_FIELDS = {
    "name": text_field,
    "email": text_field,
    "role": lambda: choice(*[r.value for r in Role]),
    "functions": ids_field,
}
ACTIVITY_FIELDS = {"title": text_field, "goal": text_field, "functions": ids_field}
CONFIRM_FIELDS = {"confirm": bool_field}
DIRECTION_FIELDS = {"direction": lambda: choice("up", "down")}
INDICATOR_FIELDS = {
    "title": text_field,
    "unit": text_field,
    "target": int_field,
    "period": lambda: choice(*[p.value for p in Period]),
    "aggregation": lambda: choice(*[a.value for a in Aggregation]),
}
PROBLEM_FIELDS = {
    "title": text_field,
    "description": text_field,
    "confirm_no_personal_data": bool_field,
}
MEASUREMENT_FIELDS = {"value": int_field, "measured_on": date_field, "source": text_field}
FACT_FIELDS = {
    "kind": lambda: choice("statistics", "survey", "observation"),
    "visibility": lambda: choice(*[v.value for v in Visibility]),
    "year": int_field,
    "title": text_field,
    "source": text_field,
    "period": text_field,
    "value": int_field,
    "unit": text_field,
    "text": text_field,
    "url": lambda: choice("https://bra.se/statistik", "javascript:alert(1)"),
    "file": file_field,
}

# Attendance rows are named by organisation id: the demo's first ones, and ids it has not.
MEETING_FIELDS = {
    "body": lambda: choice("council", "working_group"),
    "held_on": date_field,
    "title": text_field,
    "decisions": text_field,
    "round_id": int_field,
    "confirm_no_personal_data": bool_field,
    **{f"attended-{n}": bool_field for n in (1, 2, 3, 4, 999)},
    **{f"attendees-{n}": int_field for n in (1, 2, 3, 4, 999)},
}

ENDPOINTS: dict[str, Endpoint] = {
    "auth.login": Endpoint(
        lambda t: "/login",
        {
            "organisation": lambda: choice("kramfors", "solleftea", "polisen"),
            "email": lambda: choice("admin@kramfors.example"),
            "password": text_field,
            "remember": bool_field,
        },
        user=None,
        # A failed login is recorded in the audit log on purpose.
        may_touch=frozenset({"audit_events"}),
    ),
    "auth.logout": Endpoint(lambda t: "/logout", {}),
    "auth.set_language": Endpoint(
        lambda t: "/language", {"locale": lambda: choice("sv", "en"), "next": text_field}
    ),
    "account.index": Endpoint(
        lambda t: "/account", {"current_password": text_field, "new_password": text_field}
    ),
    "account.set_password": Endpoint(
        lambda t: f"/password/{t.token}", {"password": text_field}, user=None
    ),
    "notifications.mark_read": Endpoint(lambda t: f"/notifications/{t.notification}/read", {}),
    "notifications.mark_all_read": Endpoint(lambda t: "/notifications/read", {}),
    "notifications.settings": Endpoint(
        lambda t: "/account/notifications",
        {kind.value: lambda: choice(*[d.value for d in Delivery]) for kind in CHOOSABLE_KINDS}
        | {"password_link": lambda: choice(*[d.value for d in Delivery])},
    ),
    "activities.add_indicator": Endpoint(
        lambda t: f"/activities/{t.activity}/indicators", INDICATOR_FIELDS
    ),
    "activities.set_watching": Endpoint(
        lambda t: f"/activities/{t.activity}/watch", {"watch": lambda: choice("on", "off")}
    ),
    "activities.log_measurement": Endpoint(
        lambda t: f"/indicators/{t.indicator}/measurements", MEASUREMENT_FIELDS
    ),
    "activities.update_indicator": Endpoint(
        lambda t: f"/indicators/{t.indicator}",
        {**INDICATOR_FIELDS, "version": int_field},
    ),
    "activities.archive_indicator": Endpoint(lambda t: f"/indicators/{t.indicator}/archive", {}),
    "activities.restore_indicator": Endpoint(lambda t: f"/indicators/{t.indicator}/restore", {}),
    "activities.update_measurement": Endpoint(
        lambda t: f"/measurements/{t.measurement}",
        {**MEASUREMENT_FIELDS, "version": int_field},
    ),
    "activities.remove_measurement": Endpoint(
        lambda t: f"/measurements/{t.measurement}/remove", {"version": int_field}
    ),
    "assignments.update_status": Endpoint(
        lambda t: f"/assignments/{t.assignment}/status",
        {
            "status": lambda: choice(*[s.value for s in AssignmentStatus]),
            "note": text_field,
            "version": int_field,
            "next": lambda: choice("/plans/1", "/activities/3", "//evil.example", "/plans/x"),
        },
    ),
    "threads.post_on_activity": Endpoint(
        lambda t: f"/activities/{t.activity}/comments", COMMENT_FIELDS
    ),
    "threads.post_on_plan": Endpoint(lambda t: f"/plans/{t.plan}/discussion", COMMENT_FIELDS),
    "threads.edit_comment": Endpoint(
        lambda t: f"/comments/{t.comment}/edit",
        {
            "body": text_field,
            "facts": ids_field,
            "confirm_no_personal_data": bool_field,
            "version": int_field,
        },
    ),
    "threads.delete_comment": Endpoint(lambda t: f"/comments/{t.comment}/delete", {}),
    "threads.redact_comment": Endpoint(
        lambda t: f"/comments/{t.comment}/redact", {"reason": text_field, "version": int_field}
    ),
    "rounds.index": Endpoint(
        lambda t: f"/plans/{t.plan}/rounds",
        {
            "kind": lambda: choice(*[k.value for k in RoundKind]),
            "title": text_field,
            "due_on": date_field,
            "confirm_past_due": bool_field,
        },
    ),
    "rounds.close": Endpoint(
        lambda t: f"/rounds/{t.round}/close",
        {"council_evaluation": text_field, "confirm": bool_field},
    ),
    "rounds.post_comment": Endpoint(lambda t: f"/rounds/{t.round}/comments", COMMENT_FIELDS),
    "rounds.report": Endpoint(
        lambda t: f"/rounds/{t.round}/reports/{t.assignment}",
        {"what_was_done": text_field, "version": int_field},
    ),
    "rounds.add_evidence": Endpoint(
        lambda t: f"/rounds/{t.round}/reports/{t.assignment}/evidence",
        {
            "kind": lambda: choice(*[k.value for k in EvidenceKind]),
            "title": text_field,
            "url": lambda: choice("https://bra.se/statistik", "javascript:alert(1)"),
            "file": file_field,
            "source": text_field,
            "dated_on": date_field,
            "registry_number": text_field,
        },
    ),
    "rounds.delete_evidence": Endpoint(lambda t: f"/evidence/{t.evidence}/delete", {}),
    "facts.new": Endpoint(lambda t: f"/plans/{t.plan}/facts/new", FACT_FIELDS),
    "facts.edit": Endpoint(
        lambda t: f"/facts/{t.fact}/edit", {**FACT_FIELDS, "version": int_field}
    ),
    "facts.use_as_value": Endpoint(
        lambda t: f"/facts/{t.fact}/indicators/{t.indicator}/value", {"measured_on": date_field}
    ),
    "facts.remove": Endpoint(lambda t: f"/facts/{t.fact}/remove", {"version": int_field}),
    "admin.new_user": Endpoint(lambda t: "/admin/users/new", USER_FIELDS),
    "admin.edit_user": Endpoint(lambda t: f"/admin/users/{t.colleague}", USER_FIELDS),
    "admin.deactivate": Endpoint(
        lambda t: f"/admin/users/{t.colleague}/deactivate", CONFIRM_FIELDS
    ),
    "admin.reactivate": Endpoint(
        lambda t: f"/admin/users/{t.colleague}/reactivate", {"functions": ids_field}
    ),
    "admin.password_link": Endpoint(lambda t: f"/admin/users/{t.colleague}/password-link", {}),
    "admin.own_login": Endpoint(
        lambda t: "/admin/login",
        {
            # Random text, or the address of a real provider that answers.
            "issuer": lambda: st.one_of(text_field(), st.builds(lambda: shared_provider().issuer)),
            "client_id": text_field,
            "client_secret": text_field,
            "password_login": bool_field,
            "creates_unknown_users": bool_field,
            "version": int_field,
        },
    ),
    "admin.remove_own_login": Endpoint(lambda t: "/admin/login/remove", CONFIRM_FIELDS),
    "content.edit_plan": Endpoint(lambda t: f"/plans/{t.plan}/content", {"title": text_field}),
    "content.rename_area": Endpoint(
        lambda t: f"/areas/{t.area}/title", {"title": text_field, "version": int_field}
    ),
    "content.move_area": Endpoint(lambda t: f"/areas/{t.area}/move", DIRECTION_FIELDS),
    "content.move_activity": Endpoint(lambda t: f"/activities/{t.activity}/move", DIRECTION_FIELDS),
    "content.new_activity": Endpoint(lambda t: f"/areas/{t.area}/activities/new", ACTIVITY_FIELDS),
    "content.edit_activity": Endpoint(
        lambda t: f"/activities/{t.activity}/edit", {**ACTIVITY_FIELDS, "version": int_field}
    ),
    "content.archive_area": Endpoint(lambda t: f"/areas/{t.area}/archive", CONFIRM_FIELDS),
    "content.archive_activity": Endpoint(
        lambda t: f"/activities/{t.activity}/archive", CONFIRM_FIELDS
    ),
    "content.restore_area": Endpoint(
        lambda t: f"/areas/{t.area}/restore", {"archived": text_field}
    ),
    "content.restore_activity": Endpoint(
        lambda t: f"/activities/{t.activity}/restore", {"archived": text_field}
    ),
    "content.reopen_plan": Endpoint(lambda t: f"/plans/{t.plan}/reopen", {"version": int_field}),
    "content.close_plan": Endpoint(lambda t: f"/plans/{t.plan}/close", {"version": int_field}),
    "content.copy_plan": Endpoint(
        lambda t: f"/plans/{t.plan}/copy", {"title": text_field, "period_start": int_field}
    ),
    "situation.index": Endpoint(lambda t: f"/plans/{t.plan}/situation", {"year": int_field}),
    "situation.edit_section": Endpoint(
        lambda t: f"/situation/{t.picture}/sections/mapping",
        {
            "body": text_field,
            "facts": ids_field,
            "confirm_no_personal_data": bool_field,
            "version": int_field,
        },
    ),
    "situation.post_comment": Endpoint(
        lambda t: f"/situation/{t.picture}/comments", COMMENT_FIELDS
    ),
    "situation.agree": Endpoint(
        lambda t: f"/situation/{t.picture}/agree", {"content_version": int_field}
    ),
    "situation.fix": Endpoint(
        lambda t: f"/situation/{t.picture}/fix", {"content_version": int_field}
    ),
    "situation.new_problem": Endpoint(lambda t: f"/situation/{t.picture}/problems", PROBLEM_FIELDS),
    "situation.edit_problem": Endpoint(
        lambda t: f"/problems/{t.problem}", {**PROBLEM_FIELDS, "version": int_field}
    ),
    "publication.prepare": Endpoint(
        lambda t: f"/plans/{t.plan}/publication/versions",
        {"intro": text_field, "confirm_no_personal_data": bool_field, "newest": int_field},
    ),
    "publication.agree": Endpoint(
        lambda t: f"/plans/{t.plan}/publication/agree", {"number": int_field}
    ),
    "publication.withdraw": Endpoint(
        lambda t: f"/plans/{t.plan}/publication/withdraw", {"number": int_field}
    ),
    "evaluation.index": Endpoint(lambda t: f"/plans/{t.plan}/evaluations", {"year": int_field}),
    "evaluation.edit_section": Endpoint(
        lambda t: f"/evaluations/{t.evaluation}/sections/1",
        {"body": text_field, "confirm_no_personal_data": bool_field, "version": int_field},
    ),
    "evaluation.agree": Endpoint(
        lambda t: f"/evaluations/{t.evaluation}/agree", {"content_version": int_field}
    ),
    "evaluation.fix": Endpoint(
        lambda t: f"/evaluations/{t.evaluation}/fix", {"content_version": int_field}
    ),
    "evaluation.refresh": Endpoint(
        lambda t: f"/evaluations/{t.evaluation}/figures", {"content_version": int_field}
    ),
    "council.new": Endpoint(lambda t: f"/plans/{t.plan}/meetings/new", MEETING_FIELDS),
    "council.edit": Endpoint(
        lambda t: f"/meetings/{t.meeting}/edit", {**MEETING_FIELDS, "version": int_field}
    ),
    "council.remove": Endpoint(lambda t: f"/meetings/{t.meeting}/remove", {"version": int_field}),
    "situation.link_problem": Endpoint(
        lambda t: f"/problems/{t.problem}/links",
        {"areas": ids_field, "activities": ids_field, "links_version": int_field},
    ),
    "accessibility.statement": Endpoint(
        lambda t: "/accessibility",
        {"description": text_field, "page_address": text_field, "contact_email": text_field},
        user=None,
    ),
}


def test_every_post_endpoint_is_fuzzed(app: Flask) -> None:
    """A new POST route must be added to ENDPOINTS with its fields, or it goes untested."""
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posting == set(ENDPOINTS)


# --- Setting the scene ----------------------------------------------------------------------


def _targets(app: Flask) -> Targets:
    """An open round with a report and its evidence, a target, a comment and a password
    link, all in Kramfors's reach, so every endpoint has something to work on."""
    with app.app_context():
        actor = demo_user("kramfors", "admin")
        plan = seed_plan()
        own = assignment("kramfors", "ION", 1, 3)
        rnd = rounds.open_round(
            actor, plan, RoundKind.WORKING_GROUP, "Uppföljning för test", date(2030, 4, 30)
        )
        entry = rounds.report(actor, rnd, own, "Krogutbildning hölls i mars.")
        evidence = rounds.add_evidence(
            actor, entry, kind="report", title="Rapport", url="https://bra.se/rapport"
        )
        indicator = indicators.add_indicator(
            actor, own.activity, title="Kontroller", unit="st", target="12", period="year"
        )
        measurement = indicators.log_measurement(
            actor, indicator, value="3", measured_on=date(2012, 4, 1), source="Egen räkning"
        )
        comment = threads.post(actor, plan, own.activity, "Ett första inlägg.", Visibility.SHARED)
        fact = facts.record(
            actor,
            plan,
            kind="observation",
            visibility="shared",
            year="2025",
            title="Grupper vid busstationen",
            text="Fler grupper fredagskvällar.",
        )
        colleague = demo_user("kramfors", "lasare")
        token = accounts.issue_password_link(actor, colleague)
        mine = notifications.notify(
            actor,
            NotificationKind.FUNCTION_VACANT,
            link="/plans/1",
            params={"code": "SBN", "name": "Samhällsbyggnadsnämnden", "organisation": "Kramfors"},
        )
        picture = situation.start(actor, plan, plan.period_start)
        # A version waiting for agreements, for the agreement and the withdrawal to refuse.
        publication.prepare(actor, plan, "Om planen.", 0)
        annual = evaluation.start(actor, plan, plan.period_start)
        meeting = council.record(
            actor,
            plan,
            council.MeetingText("council", date(2012, 5, 20), "Rådsmöte maj", "Beslut.", {}),
        )
        problem = situation.add_problem(actor, picture, situation.ProblemText("Klotter", ""))
        db.session.commit()
        return Targets(
            plan=plan.id,
            area=own.activity.area_id,
            activity=own.activity_id,
            assignment=own.id,
            round=rnd.id,
            indicator=indicator.id,
            measurement=measurement.id,
            comment=comment.id,
            evidence=evidence.id,
            colleague=colleague.id,
            token=token,
            notification=mine.id,
            fact=fact.id,
            picture=picture.id,
            problem=problem.id,
            evaluation=annual.id,
            meeting=meeting.id,
        )


class Session:
    """A client whose session is set directly, so each example starts logged in (even after
    the previous one logged out) without a slow password check."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.token = csrf_token_from(self.client.get("/login").get_data(as_text=True))
        with self.client.session_transaction() as session:
            self.raw_csrf = session["csrf_token"]

    def start(self, user: tuple[str, str] | None) -> None:
        session_id = None
        if user is not None:
            with self.app.app_context():
                person = demo_user(*user)
                accounts.start_session(person)
                session_id = f"{person.id}:{person.session_token}"
        with self.client.session_transaction() as session:
            session.clear()
            session["csrf_token"] = self.raw_csrf
            if session_id:
                session["_user_id"] = session_id
                session["_fresh"] = True


def snapshot(app: Flask) -> dict[str, str]:
    """A digest of every table's rows: any write at all changes one."""
    with app.app_context():
        digests = {}
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table)).all()
            digest = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
            digests[table.name] = digest
        return digests


# A refused request tells the user why: a field's message, a summary, or the error page.
MESSAGE_MARKERS = ('class="field__error"', 'role="alert"', 'class="flash flash--error"')


@st.composite
def form_data(draw: st.DrawFn, fields: dict[str, Callable[[], st.SearchStrategy[Any]]]) -> dict:
    data: dict[str, Any] = {}
    for name, strategy in fields.items():
        how = draw(st.sampled_from(["value", "value", "value", "missing", "twice"]))
        if how == "value":
            data[name] = draw(strategy())
        elif how == "twice":
            first, second = draw(strategy()), draw(strategy())
            # A file cannot be sent twice from the same stream; text can.
            data[name] = [first, second] if not isinstance(first, tuple) else first
    return data


@pytest.fixture
def scene(app: Flask) -> tuple[Targets, Session]:
    return _targets(app), Session(app)


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@PROFILE
@given(data=st.data())
def test_bad_input_never_breaks_a_post(
    app: Flask, scene: tuple[Targets, Session], endpoint: str, data: st.DataObject
) -> None:
    targets, session = scene
    spec = ENDPOINTS[endpoint]
    fields = data.draw(form_data(spec.fields), label="fields")
    htmx = data.draw(st.booleans(), label="htmx")
    session.start(spec.user)
    headers = {"HX-Request": "true", "X-CSRFToken": session.token} if htmx else {}
    fields = {"csrf_token": session.token, **fields}
    before = snapshot(app)

    response = session.client.post(spec.path(targets), data=fields, headers=headers)

    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    if 400 <= response.status_code < 500:
        after = snapshot(app)
        changed = {name for name in before if before[name] != after[name]}
        assert changed <= spec.may_touch, f"a refused request wrote to {changed}"
        body = response.get_data(as_text=True)
        assert any(marker in body for marker in MESSAGE_MARKERS), body[:2000]


# --- Bodies that are too large, and forms without their CSRF token --------------------------


def test_a_body_over_the_limit_gets_a_friendly_413(app: Flask) -> None:
    targets, session = _targets(app), Session(app)
    session.start(("kramfors", "admin"))
    before = snapshot(app)
    response = session.client.post(
        f"/activities/{targets.activity}/comments",
        data={"csrf_token": session.token, "body": "x" * (12 * 1024 * 1024)},
    )
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert 'role="alert"' in body
    assert "10 MB" in body
    assert snapshot(app) == before


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(
    ("content_type", "expected"),
    # A form without a file is URL-encoded: the comment's length rule answers. A multipart
    # form (one with a file input) keeps a text field to Flask's 500 kB: 413.
    [("application/x-www-form-urlencoded", 422), ("multipart/form-data", 413)],
)
def test_a_text_of_a_megabyte_is_refused_with_a_message(
    app: Flask, htmx: bool, content_type: str, expected: int
) -> None:
    targets, session = _targets(app), Session(app)
    session.start(("kramfors", "admin"))
    before = snapshot(app)
    headers = {"HX-Request": "true", "X-CSRFToken": session.token} if htmx else {}
    response = session.client.post(
        f"/activities/{targets.activity}/comments",
        data={"csrf_token": session.token, "body": "Å" + "a" * 999_999, "visibility": "shared"},
        headers=headers,
        content_type=content_type,
    )
    assert response.status_code == expected
    if expected == 413:
        # Not "the file is larger than 10 MB": there is no file, and it is not that large.
        assert "Texten är för lång" in response.get_data(as_text=True)
    assert any(m in response.get_data(as_text=True) for m in MESSAGE_MARKERS)
    assert snapshot(app) == before


# --- NUL and other control characters are removed before anything is stored ----------------


def test_control_characters_are_removed_from_what_is_stored(app: Flask) -> None:
    targets, session = _targets(app), Session(app)
    session.start(("kramfors", "admin"))
    response = session.client.post(
        f"/activities/{targets.activity}/comments",
        data={
            "csrf_token": session.token,
            "body": "Hej\x00 på\x07 dig\x1b[0m\tmed\r\nrader",
            "visibility": "shared",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        stored = db.session.execute(
            text("SELECT body FROM comments ORDER BY id DESC LIMIT 1")
        ).scalar_one()
    assert stored == "Hej på dig[0m\tmed\nrader"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/admin/users/new", {"name": "Ny\x00 Person", "email": "ny\x00@kramfors.example"}),
        ("/login", {"organisation": "kramfors\x00", "email": "admin\x00@kramfors.example"}),
    ],
)
def test_nul_in_a_lookup_is_no_server_error(app: Flask, path: str, data: dict) -> None:
    session = Session(app)
    session.start(("kramfors", "admin") if path.startswith("/admin") else None)
    response = session.client.post(
        path, data={"csrf_token": session.token, "role": "member", "password": "x", **data}
    )
    assert response.status_code < 500


# --- Path and query parameters of the wrong type --------------------------------------------

HUGE = str(2**64)
BAD_GETS = [
    ("/activities/abc", 404),
    ("/activities/-1", 404),
    (f"/activities/{HUGE}", 404),
    (f"/activities/{2**31}", 404),
    (f"/plans/{HUGE}", 404),
    (f"/plans/{HUGE}/dashboard", 404),
    (f"/rounds/{HUGE}", 404),
    (f"/rounds/{HUGE}/report.csv", 404),
    (f"/comments/{HUGE}", 404),
    (f"/evidence/{HUGE}/file", 404),
    (f"/facts/{HUGE}/file", 404),
    (f"/facts/{HUGE}/edit", 404),
    (f"/evaluations/{HUGE}", 404),
    (f"/evaluations/{HUGE}/word", 404),
    (f"/evaluations/{{evaluation}}/sections/{HUGE}", 404),
    ("/evaluations/{evaluation}/sections/abc", 404),
    ("/plans/1/facts?year=abc", 200),
    (f"/plans/1/facts?year={HUGE}", 200),
    ("/plans/1/facts?year=-1", 200),
    (f"/meetings/{HUGE}/edit", 404),
    (f"/plans/1/meetings?year={HUGE}", 200),
    ("/plans/1/meetings?year=abc", 200),
    ("/plans/1/meetings/new?round=abc", 400),
    (f"/plans/1/meetings/new?round={HUGE}", 400),
    (f"/admin/users/{HUGE}", 404),
    (f"/assignments/{HUGE}/status/edit", 404),
    ("/password/%00", 404),
    ("/password/" + "x" * 5000, 404),
    ("/plans/1?status=nonsense", 400),
    ("/plans/1?area=abc", 400),
    (f"/plans/1?area={HUGE}", 400),
    ("/plans/1?organisation=%00", 400),
    ("/plans/1?status=%00", 400),
    ("/plans/1/updates?since=abc&comments=1", 400),
    (f"/plans/1/updates?since={HUGE}&comments={HUGE}", 400),
    ("/plans/1/updates?since=-1&comments=-1", 400),
    ("/plans/1/updates", 400),
    (f"/activities/1/updates?since={HUGE}&comments=0", 400),
    ("/plans/1/discussion/updates?comments=abc", 400),
    (f"/plans/1/discussion/updates?comments={HUGE}", 400),
    ("/rounds/{round}/meeting?area=-1", 404),
    ("/rounds/{round}/meeting?area=" + HUGE, 404),
    ("/admin/audit?page=-1", 200),
    ("/admin/audit?page=abc", 200),
    (f"/admin/audit?page={HUGE}", 200),
    ("/admin/accessibility-reports?page=-1", 200),
    ("/admin/accessibility-reports?page=abc", 200),
    (f"/admin/accessibility-reports?page={HUGE}", 200),
    ("/admin/audit?user=abc", 400),
    (f"/admin/audit?user={HUGE}", 400),
    ("/admin/audit?since=2024-02-30", 400),
    ("/admin/audit?since=%00", 400),
    ("/admin/audit?action=%00", 400),
    ("/admin/audit.csv?since=nonsense", 400),  # the form with its message, not a file
    ("/admin/audit?since=0001-01-01", 400),
    ("/admin/audit?until=9999-12-31", 400),
    ("/admin/audit.csv?since=0001-01-01", 400),
    ("/admin/audit.csv?until=9999-12-31", 400),
    ("/notifications?page=-1", 200),
    ("/notifications?page=abc", 200),
    (f"/notifications?page={HUGE}", 200),
    ("/admin/mail-log?page=abc", 200),
    (f"/admin/mail-log?page={HUGE}", 200),
    ("/login?organisation=%00&next=%00", 200),
    ("/login?next=/plans/%00", 200),
    ("/assignments/{assignment}/status/edit?next=%00", 200),
    ("/comments/{comment}/edit?next=%00", 200),
    ("/rounds/{round}/meeting?area=abc", 200),
]


@pytest.mark.parametrize(("path", "expected"), BAD_GETS)
@pytest.mark.parametrize("htmx", [False, True])
def test_parameters_of_the_wrong_type_answer_4xx(
    app: Flask, path: str, expected: int, htmx: bool
) -> None:
    session = Session(app)
    session.start(None if path.startswith("/login") else ("kramfors", "admin"))
    if "{" in path:
        path = path.format(**vars(_targets(app)))
    headers = {"HX-Request": "true"} if htmx else {}
    response = session.client.get(path, headers=headers)
    assert response.status_code == expected, response.get_data(as_text=True)[:1000]


def test_every_form_cleans_its_text_fields(app: Flask) -> None:
    """One base form removes NUL and control characters from every text field, so no form
    can forget it; passwords are kept as typed, since they are only hashed."""
    from flask_wtf import FlaskForm

    from workspace import forms

    classes = [
        c
        for c in vars(forms).values()
        if isinstance(c, type) and issubclass(c, FlaskForm) and c is not FlaskForm
    ]
    assert all(issubclass(c, forms.Form) for c in classes)
    dirty = "a\x00b\x07c\r\nd\te"
    with app.test_request_context(
        "/", method="POST", data={"body": dirty, "current_password": dirty}
    ):
        assert forms.CommentForm().body.data == "abc\nd\te"
        assert forms.PasswordChangeForm().current_password.data == dirty
