"""Backup and restore: `flask backup PATH` while the app runs, `flask restore PATH`."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tests.conftest import _app_config
from tests.factories import assignment, demo_user, seed_plan
from workspace import create_app
from workspace.extensions import db
from workspace.services import assignments, demo, threads


@pytest.fixture
def sqlite_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The demo workspace on SQLite, also when the suite runs on PostgreSQL."""
    if not os.environ.get("DATABASE_URL"):
        yield request.getfixturevalue("app")
        return
    app = create_app(
        _app_config(
            f"sqlite:///{tmp_path / 'live.sqlite3'}", ATTACHMENT_DIR=str(tmp_path / "files")
        )
    )
    with app.app_context():
        upgrade()
        demo.load_demo_data()
    yield app
    with app.app_context():
        db.engine.dispose()


def database_file(app: Flask) -> Path:
    return Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read in a session of its own."""
    with app.app_context():
        return {
            table.name: sorted((tuple(row) for row in db.session.execute(select(table))), key=repr)
            for table in db.metadata.sorted_tables
        }


def change_data(app: Flask) -> None:
    """What users do after the backup: a status change and a comment."""
    with app.app_context():
        actor = demo_user("kramfors", "handlaggare")
        target = assignment("kramfors", "ION", 1, 3)
        assignments.change_status(actor, target, "delayed", "Efter säkerhetskopian")
        threads.post(actor, seed_plan(), target.activity, "Skrivet efter säkerhetskopian.")


def run(app: Flask, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_a_backup_restores_the_data_exactly_as_it_was(sqlite_app, tmp_path):
    before = snapshot(sqlite_app)
    target = tmp_path / "kopia.sqlite3"
    result = run(sqlite_app, "backup", str(target))
    assert result.exit_code == 0, result.output
    assert str(target) in result.output
    # One self-contained file: it needs no -wal file beside it.
    with closing(sqlite3.connect(target)) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not list(tmp_path.glob("*.tmp"))

    change_data(sqlite_app)
    changed = snapshot(sqlite_app)
    assert changed["status_changes"] != before["status_changes"]
    assert changed["comments"] != before["comments"]

    result = run(sqlite_app, "restore", str(target), "--yes")
    assert result.exit_code == 0, result.output
    assert "db upgrade" not in result.output
    assert snapshot(sqlite_app) == before
    # The app goes on working on the restored database.
    change_data(sqlite_app)


def test_a_backup_is_consistent_while_another_writer_is_half_way(sqlite_app, tmp_path):
    before = snapshot(sqlite_app)
    with closing(sqlite3.connect(database_file(sqlite_app), isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE assignments SET status = 'done'")
        result = run(sqlite_app, "backup", str(tmp_path / "kopia.sqlite3"))
        other.execute("COMMIT")
    assert result.exit_code == 0, result.output
    restored = run(sqlite_app, "restore", str(tmp_path / "kopia.sqlite3"), "--yes")
    assert restored.exit_code == 0, restored.output
    # The copy has what was committed when it was taken, none of the unfinished write.
    assert snapshot(sqlite_app) == before


def test_backup_refuses_to_overwrite_unless_forced(sqlite_app, tmp_path):
    target = tmp_path / "kopia.sqlite3"
    target.write_text("tidigare kopia")
    result = run(sqlite_app, "backup", str(target))
    assert result.exit_code != 0
    assert "already exists" in result.output and "--force" in result.output
    assert target.read_text() == "tidigare kopia"
    result = run(sqlite_app, "backup", str(target), "--force")
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"SQLite format 3\x00")


def test_backup_refuses_a_missing_folder(sqlite_app, tmp_path):
    result = run(sqlite_app, "backup", str(tmp_path / "saknas" / "kopia.sqlite3"))
    assert result.exit_code != 0 and "does not exist" in result.output


def refused(app: Flask, path: Path, message: str) -> None:
    before = snapshot(app)
    result = run(app, "restore", str(path), "--yes")
    assert result.exit_code != 0
    assert message in result.output
    assert snapshot(app) == before


def test_restore_refuses_what_is_not_a_database(sqlite_app, tmp_path):
    text = tmp_path / "anteckningar.txt"
    text.write_text("inte en databas")
    refused(sqlite_app, text, "is not a SQLite database")
    refused(sqlite_app, tmp_path / "saknas.sqlite3", "is not a file")


def test_restore_refuses_a_database_of_another_app(sqlite_app, tmp_path):
    other = tmp_path / "annan.sqlite3"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.commit()
    refused(sqlite_app, other, "is not a Samverkan database")


def test_restore_refuses_a_backup_from_a_newer_version(sqlite_app, tmp_path):
    target = tmp_path / "kopia.sqlite3"
    assert run(sqlite_app, "backup", str(target)).exit_code == 0
    with closing(sqlite3.connect(target)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
        conn.commit()
    refused(sqlite_app, target, "does not know")


def test_restore_asks_first_and_a_no_changes_nothing(sqlite_app, tmp_path):
    target = tmp_path / "kopia.sqlite3"
    assert run(sqlite_app, "backup", str(target)).exit_code == 0
    change_data(sqlite_app)
    after = snapshot(sqlite_app)
    result = run(sqlite_app, "restore", str(target), input="n\n")
    assert result.exit_code != 0 and "Everything written since the backup is lost" in result.output
    assert snapshot(sqlite_app) == after
    result = run(sqlite_app, "restore", str(target), input="y\n")
    assert result.exit_code == 0, result.output
    assert snapshot(sqlite_app) != after


def test_restoring_an_older_backup_says_to_upgrade(sqlite_app, tmp_path):
    target = tmp_path / "kopia.sqlite3"
    assert run(sqlite_app, "backup", str(target)).exit_code == 0
    with closing(sqlite3.connect(target)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'b9d602c39662'")
        conn.commit()
    result = run(sqlite_app, "restore", str(target), "--yes")
    assert result.exit_code == 0, result.output
    assert "flask db upgrade" in result.output


def test_attachments_are_copied_beside_the_backup_and_put_back(sqlite_app, tmp_path):
    files = Path(sqlite_app.config["ATTACHMENT_DIR"])
    files.mkdir(parents=True, exist_ok=True)
    (files / "bevis-1").write_bytes(b"%PDF-1.4 protokoll")
    target = tmp_path / "kopia.sqlite3"
    result = run(sqlite_app, "backup", str(target))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "kopia.sqlite3.attachments" / "bevis-1").read_bytes() == (
        b"%PDF-1.4 protokoll"
    )
    (files / "bevis-1").unlink()
    result = run(sqlite_app, "restore", str(target), "--yes")
    assert result.exit_code == 0, result.output
    assert (files / "bevis-1").read_bytes() == b"%PDF-1.4 protokoll"


def test_only_the_owner_may_read_the_backup_and_its_attachments(sqlite_app, tmp_path):
    files = Path(sqlite_app.config["ATTACHMENT_DIR"])
    files.mkdir(parents=True, exist_ok=True)
    (files / "bevis-1").write_bytes(b"%PDF-1.4 protokoll")
    (files / "bevis-1").chmod(0o644)
    target = tmp_path / "kopia.sqlite3"
    copied = tmp_path / "kopia.sqlite3.attachments"
    copied.mkdir(mode=0o755)  # left by an older backup, made before this rule
    previous = os.umask(0o022)  # the usual one, which leaves new files world-readable
    try:
        for args in (("backup", str(target)), ("backup", "--force", str(target))):
            result = run(sqlite_app, *args)
            assert result.exit_code == 0, result.output
            assert stat.S_IMODE(target.stat().st_mode) == 0o600
            assert stat.S_IMODE(copied.stat().st_mode) == 0o700
            assert stat.S_IMODE((copied / "bevis-1").stat().st_mode) == 0o600
        # Files put back are the live folder's like an upload, for the app's user to read.
        (files / "bevis-1").unlink()
        result = run(sqlite_app, "restore", str(target), "--yes")
        assert result.exit_code == 0, result.output
        assert stat.S_IMODE((files / "bevis-1").stat().st_mode) == 0o644
    finally:
        os.umask(previous)


def test_on_postgresql_the_commands_point_to_pg_dump(tmp_path):
    # Building the app does not connect, so this runs without a PostgreSQL server too.
    app = create_app(_app_config("postgresql+psycopg://samverkan@localhost:1/samverkan"))
    result = run(app, "backup", str(tmp_path / "kopia.dump"))
    assert result.exit_code != 0
    assert "pg_dump -Fc" in result.output and "ATTACHMENT_DIR" in result.output
    assert not (tmp_path / "kopia.dump").exists()
    result = run(app, "restore", str(tmp_path / "kopia.dump"), "--yes")
    assert result.exit_code != 0 and "pg_restore --clean" in result.output


def test_on_the_suites_postgresql_database_backup_refuses_and_changes_nothing(app, tmp_path):
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() != "postgresql":
        pytest.skip("the suite runs on SQLite")
    before = snapshot(app)
    result = run(app, "backup", str(tmp_path / "kopia.dump"))
    assert result.exit_code != 0 and "pg_dump" in result.output
    assert snapshot(app) == before
