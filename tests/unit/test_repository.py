"""The checkout itself: nothing half-merged reaches users."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"^(<<<<<<<|=======|>>>>>>>)( |$)", re.MULTILINE)


def test_no_merge_conflict_markers_in_tracked_files():
    files = subprocess.run(
        ["git", "ls-files", "workspace", "templates", "static", "migrations", "tests", "scripts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    offenders = [
        name
        for name in files
        if (ROOT / name).suffix in {".py", ".html", ".css", ".js", ".po", ".pot", ".toml", ""}
        and (ROOT / name).is_file()
        and MARKER.search((ROOT / name).read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == [], f"merge conflict markers left in {offenders}"
