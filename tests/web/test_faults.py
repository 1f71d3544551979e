"""Faults: an unreachable or locked database answers 503 and the app recovers when it is
back; a request that fails half-way leaves nothing half-written."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from tests.conftest import Auth
from tests.web.test_status_editing import HX, ids, poll_url, save
from tests.web.test_threads import post
from workspace.extensions import db
from workspace.models import Assignment, AuditEvent, Comment, StatusChange, Thread

UNAVAILABLE = "Tjänsten är tillfälligt otillgänglig"


class Outage:
    """Switches the database off and on: while off, every new connection is refused, as
    when the server is down or the file cannot be opened."""

    def __init__(self, app) -> None:
        with app.app_context():
            self.engine = db.engine
        self.down = False
        event.listen(self.engine, "do_connect", self._connect)

    def _connect(self, dialect: Any, record: Any, cargs: Any, cparams: Any) -> None:
        if self.down:
            raise dialect.loaded_dbapi.OperationalError("connection refused (simulated outage)")

    def start(self) -> None:
        self.down = True
        # Pooled connections would survive; an outage takes them with it.
        self.engine.dispose()

    def end(self) -> None:
        self.down = False

    def remove(self) -> None:
        event.remove(self.engine, "do_connect", self._connect)


@pytest.fixture
def outage(app) -> Iterator[Outage]:
    switch = Outage(app)
    yield switch
    switch.remove()


@pytest.fixture
def member(client, auth):
    auth.login("kramfors", "handlaggare")
    return client


def assignment_row(app, assignment_id: int) -> tuple[Any, ...]:
    """Everything a status save writes, read in a session of its own."""
    with app.app_context():
        target = db.session.get(Assignment, assignment_id)
        history = db.session.scalars(
            select(StatusChange.id).where(StatusChange.assignment_id == assignment_id)
        ).all()
        audits = db.session.scalar(select(func.count(AuditEvent.id)))
        return (
            target.status,
            target.updated_at,
            target.updated_by_id,
            target.version,
            history,
            audits,
        )


def assert_unavailable_page(response) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert UNAVAILABLE in html and "Inget sparades" in html
    assert "<html" in html and 'role="alert"' in html
    # Without the database the page cannot say who is logged in, and must not try.
    assert "Logga ut" not in html


def assert_unavailable_fragment(response) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert UNAVAILABLE in html and 'role="alert"' in html
    assert "<html" not in html


# --- Unreachable database -------------------------------------------------------------------


def test_a_page_answers_503_while_the_database_is_down_and_works_when_it_is_back(member, outage):
    outage.start()
    assert_unavailable_page(member.get("/plans/1"))
    outage.end()
    response = member.get("/plans/1")
    assert response.status_code == 200 and "Logga ut" in response.get_data(as_text=True)


def test_logging_in_answers_503_too(client, outage):
    token = Auth(client).csrf_token()
    outage.start()
    response = client.post(
        "/login",
        data={
            "csrf_token": token,
            "organisation": "kramfors",
            "email": "handlaggare@kramfors.example",
            "password": "x",
        },
    )
    assert_unavailable_page(response)
    outage.end()
    assert client.get("/login").status_code == 200


def test_the_poll_answers_a_503_fragment_and_picks_up_again(member, outage):
    url = poll_url(member.get("/plans/1").get_data(as_text=True))
    outage.start()
    assert_unavailable_fragment(member.get(url, headers=HX))
    outage.end()
    assert member.get(url, headers=HX).status_code == 204


def test_an_inline_save_during_an_outage_is_a_503_in_place_and_saves_nothing(app, member, outage):
    target, version = ids(app, "kramfors", "ION", 1, 3)
    token = Auth(member).csrf_token("/plans/1")
    before = assignment_row(app, target)
    outage.start()
    assert_unavailable_fragment(save(member, target, version, "delayed", token=token))
    outage.end()
    assert assignment_row(app, target) == before
    assert save(member, target, version, "delayed", token=token).status_code == 200
    assert assignment_row(app, target)[0].value == "delayed"


def test_the_unavailable_page_is_in_english_for_english_readers(client, outage):
    token = Auth(client).csrf_token()
    outage.start()
    response = client.post(
        "/login",
        data={"csrf_token": token, "organisation": "kramfors", "email": "a@b.se", "password": "x"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 503
    assert "The service is temporarily unavailable" in response.get_data(as_text=True)


# --- Locked SQLite database -----------------------------------------------------------------


@contextmanager
def locked(app) -> Iterator[None]:
    """Another process holds SQLite's write lock; the app gives up after 0.1 s, not 5 s."""
    with app.app_context():
        engine = db.engine
        path = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database

    def impatient(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=100")

    event.listen(engine, "checkout", impatient)
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            event.remove(engine, "checkout", impatient)


def test_a_locked_sqlite_database_answers_503_and_the_save_works_once_released(app, member):
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() != "sqlite":
        pytest.skip("SQLite locking")
    target, version = ids(app, "kramfors", "ION", 1, 3)
    token = Auth(member).csrf_token("/plans/1")
    before = assignment_row(app, target)
    with locked(app):
        assert_unavailable_fragment(save(member, target, version, "delayed", token=token))
        assert_unavailable_page(save(member, target, version, "delayed", token=token, headers={}))
    assert assignment_row(app, target) == before
    assert save(member, target, version, "delayed", token=token).status_code == 200


# --- PostgreSQL: connections that died while idle -------------------------------------------


def test_postgresql_replaces_connections_the_server_dropped(app, member):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL connection pool")
    with app.app_context():
        assert db.engine.pool._pre_ping
    assert member.get("/plans/1").status_code == 200
    # A server restart: every connection the app holds in its pool is cut.
    admin = url.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        killed = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (url.database,),
        ).fetchone()[0]
    assert killed >= 1
    assert member.get("/plans/1").status_code == 200


# --- Other database errors are bugs, not outages --------------------------------------------


def test_a_broken_constraint_is_still_a_500_not_a_503(app, member, monkeypatch):
    target, version = ids(app, "kramfors", "ION", 1, 3)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(*args, **kwargs):
        raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr("workspace.web.assignments.change_status", broken)
    response = save(member, target, version, "delayed")
    assert response.status_code == 500


# --- Nothing half-written -------------------------------------------------------------------


@contextmanager
def failing_insert(model: type, error: Exception, when=lambda target: True) -> Iterator[list]:
    """Raise `error` as a row of `model` is about to be inserted, after the statements
    before it in the same flush ran; yields the SQL that ran before the failure."""
    statements: list[str] = []

    def fail(mapper: Any, connection: Any, target: Any) -> None:
        if when(target):
            raise error

    def remember(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(model, "before_insert", fail)
    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(model, "before_insert", fail)
        event.remove(db.engine, "before_cursor_execute", remember)


FAULTS = [
    pytest.param(RuntimeError("disk full"), 500, "Något gick fel hos oss", id="bug"),
    pytest.param(
        OperationalError("INSERT", {}, Exception("disk I/O error")),
        503,
        UNAVAILABLE,
        id="database",
    ),
]


@pytest.mark.parametrize(("error", "status", "message"), FAULTS)
def test_a_status_save_that_fails_before_its_history_row_changes_nothing(
    app, member, error, status, message
):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    target, version = ids(app, "kramfors", "ION", 1, 3)
    token = Auth(member).csrf_token("/plans/1")
    before = assignment_row(app, target)
    with app.app_context(), failing_insert(StatusChange, error) as statements:
        response = save(member, target, version, "delayed", note="Halvvägs", token=token)
    # The failure came between the two writes: the status update had already run.
    assert any(s.startswith("UPDATE assignments") for s in statements)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in html and "Inget sparades" in html and 'role="alert"' in html
    assert assignment_row(app, target) == before
    # The next try succeeds: no lock or broken session was left behind.
    assert save(member, target, version, "delayed", token=token).status_code == 200


def test_a_comment_that_fails_before_its_audit_row_is_not_posted(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    member = app.test_client()
    Auth(member).login("solleftea", "handlaggare")

    def counts() -> tuple[int, int, int]:
        with app.app_context():
            return (
                db.session.scalar(select(func.count(Comment.id))),
                db.session.scalar(select(func.count(Thread.id))),
                db.session.scalar(select(func.count(AuditEvent.id))),
            )

    before = counts()
    with (
        app.app_context(),
        failing_insert(
            AuditEvent, RuntimeError("disk full"), lambda e: e.action == "comment.posted"
        ) as statements,
    ):
        response = post(member, "Halvvägs skriven kommentar.")
    assert any(s.startswith("INSERT INTO comments") for s in statements)
    assert response.status_code == 500
    assert "Inget sparades" in response.get_data(as_text=True)
    assert counts() == before
    assert post(member, "Andra försöket.").status_code == 200
    assert counts()[0] == before[0] + 1
