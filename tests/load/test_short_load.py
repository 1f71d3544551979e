"""The short load test: bench/load.py with 10 users for 10 s against gunicorn with 4 workers.

It runs on the database the suite runs on: SQLite, or PostgreSQL when `DATABASE_URL` is set
(the script then works in a database of its own beside that one). Nothing here is skipped:
a missing server or database fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_short_load_loses_nothing(tmp_path):
    database = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    command = [
        sys.executable,
        str(ROOT / "bench" / "load.py"),
        "--database",
        database,
        "--users",
        "10",
        "--seconds",
        "10",
        "--workers",
        "4",
        "--results-dir",
        str(tmp_path),
    ]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    report = tmp_path / f"load-{database}.json"
    assert report.exists(), finished.stdout + finished.stderr
    result = json.loads(report.read_text())
    verification = result["verification"]

    assert result["logged_in"] == 10
    assert result["server_errors"] == 0, result["error_examples"]
    assert result["transport_errors"] == 0, result["error_examples"]
    assert result["unexpected_answers"] == 0, result["error_examples"]
    assert result["server_log_errors"] == []
    assert len(result["requests_per_worker"]) == 4
    assert verification["comments_acknowledged"] > 0
    assert verification["status_changes_acknowledged"] > 0
    assert verification["comments_missing"] == []
    assert verification["comments_duplicated"] == []
    assert verification["status_changes_missing"] == []
    assert verification["status_changes_duplicated"] == []
    assert verification["conflicts_written_anyway"] == []
    assert verification["writes_without_audit_row"] == []
    assert verification["assignments_inconsistent"] == []
    assert result["passed"] and finished.returncode == 0, finished.stdout + finished.stderr
