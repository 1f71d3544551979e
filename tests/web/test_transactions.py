"""How a request's transaction ends when the view leaves it open: a request that only read
commits (so psycopg keeps its prepared statements), one that wrote anything is rolled back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from workspace.extensions import db
from workspace.models import AuditEvent, Organisation
from workspace.services import audit


@pytest.fixture
def endings(app: Flask) -> Iterator[list[str]]:
    """How each transaction ended, in order: "commit" or "rollback"."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    on_commit = lambda conn: seen.append("commit")  # noqa: E731
    on_rollback = lambda conn: seen.append("rollback")  # noqa: E731
    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    yield seen
    event.remove(engine, "commit", on_commit)
    event.remove(engine, "rollback", on_rollback)


def _audit_rows(app: Flask, action: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )


def _writing_views(app: Flask) -> None:
    """Views that write and answer 200 without committing: a bug the teardown must not
    turn into a stored row."""

    def organisation_id() -> int:
        return db.session.scalars(select(Organisation.id)).first()

    def flushed() -> str:
        audit.record(None, "test.flushed", organisation_id=organisation_id())
        db.session.flush()
        return "ok"

    def pending() -> str:
        audit.record(None, "test.pending", organisation_id=organisation_id())
        return "ok"

    app.add_url_rule("/test/flushed", view_func=flushed)
    app.add_url_rule("/test/pending", view_func=pending)


def test_a_request_that_only_read_commits(client, auth, endings):
    auth.login("kramfors", "handlaggare")
    endings.clear()
    assert client.get("/plans/1").status_code == 200
    assert endings == ["commit"]


def test_a_request_that_flushed_a_write_is_rolled_back(app, endings):
    _writing_views(app)
    client = app.test_client()
    assert client.get("/test/flushed").status_code == 200
    assert "commit" not in endings
    assert _audit_rows(app, "test.flushed") == 0


def test_a_request_with_an_unflushed_write_is_rolled_back(app, endings):
    _writing_views(app)
    client = app.test_client()
    assert client.get("/test/pending").status_code == 200
    assert "commit" not in endings
    assert _audit_rows(app, "test.pending") == 0
