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


def _write_and_answer(app: Flask, flush: bool) -> str:
    """A view that writes an audit row and answers 200 without committing, the row flushed
    to the database or only added to the session: a bug the teardown must not turn into a
    stored row. Returns its path."""

    def view() -> str:
        organisation_id = db.session.scalars(select(Organisation.id)).first()
        audit.record(None, "test.uncommitted", organisation_id=organisation_id)
        if flush:
            db.session.flush()
        return "ok"

    app.add_url_rule("/test/uncommitted", view_func=view)
    return "/test/uncommitted"


def test_a_request_that_only_read_commits(client, auth, endings):
    auth.login("kramfors", "handlaggare")
    endings.clear()
    assert client.get("/plans/1").status_code == 200
    assert endings == ["commit"]


@pytest.mark.parametrize("flush", [True, False], ids=["flushed", "unflushed"])
def test_a_request_that_wrote_without_committing_is_rolled_back(app, endings, flush):
    path = _write_and_answer(app, flush)
    assert app.test_client().get(path).status_code == 200
    assert "commit" not in endings
    assert _audit_rows(app, "test.uncommitted") == 0
