"""Online backup and restore of a SQLite workspace, with its attachment files.

SQLite's backup API copies a consistent snapshot while the app keeps serving (WAL
included). PostgreSQL has its own tools (`pg_dump`, `pg_restore`); the README says how.
Attachments live in ATTACHMENT_DIR, outside the database, and are copied beside the backup.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"
SQLITE_HEADER = b"SQLite format 3\x00"


class BackupError(Exception):
    """The backup or restore cannot be done; the message tells the operator why."""


def _read_only(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro"


def attachments_path(backup: Path) -> Path:
    """Where a backup's attachment files go: beside it, `<backup>.attachments/`."""
    return backup.with_name(backup.name + ".attachments")


def backup_sqlite(database: Path, target: Path, *, force: bool = False) -> None:
    """Copy the live database to `target` as one self-contained file.

    Written to a temporary file in the same folder and renamed into place, so a failed or
    interrupted backup never leaves a half-written file under the target's name.
    """
    if not database.is_file():
        raise BackupError(f"there is no database at {database}")
    if target.exists() and not force:
        raise BackupError(f"{target} already exists; use --force to overwrite it")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        with (
            closing(sqlite3.connect(database, timeout=30)) as source,
            closing(sqlite3.connect(temporary)) as copy,
        ):
            source.backup(copy)
            # The live database is in WAL mode; the copy should need no -wal file beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def copy_attachments(source: Path, target: Path, *, private: bool = False) -> int:
    """Copy attachment files from `source` into `target`; returns how many were copied.

    Stored files never change once written (each upload gets a new random key), so copying
    over existing files of the same name is safe. A backup's copy is `private`: only its
    owner may read it (folder 0700, files 0600), like the database copy beside it, whatever
    the umask; the folder is closed before any file lands in it. Otherwise files get the
    mode new files get (the umask), as uploads do.
    """
    if not source.is_dir():
        return 0
    target.mkdir(mode=0o700 if private else 0o777, parents=True, exist_ok=True)
    if private:
        target.chmod(0o700)
    count = 0
    for path in source.iterdir():
        if path.is_file():
            # Content only: the mode is the target's own (a restored file is readable by the
            # app like an upload is, not 0600 as it was in the backup).
            copied = shutil.copyfile(path, target / path.name)
            if private:
                os.chmod(copied, 0o600)
            count += 1
    return count


def backup_revision(path: Path) -> str:
    """The migration revision of a backup file, after checking it is a sound database of
    this app at a revision this version knows (the same or older)."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} is not a SQLite database")
    try:
        with closing(sqlite3.connect(_read_only(path), uri=True)) as conn:
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"{path} is damaged: {check}")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a Samverkan database ({exc})") from exc
    if row is None:
        raise BackupError(f"{path} is not a Samverkan database (no migration revision)")
    revision = row[0]
    try:
        known = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupError(
            f"{path} has the migration revision {revision}, which this version of Samverkan "
            "does not know (a newer version made it, or another app)"
        )
    return revision


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def restore_sqlite(backup: Path, database: Path) -> None:
    """Copy a checked backup over the live database with the backup API.

    The copy takes SQLite's write lock, so the app's own connections wait for it and then
    see the restored data; nothing in between sees a half-restored database.
    """
    with (
        closing(sqlite3.connect(_read_only(backup), uri=True)) as source,
        closing(sqlite3.connect(database, timeout=30)) as live,
    ):
        source.backup(live)
