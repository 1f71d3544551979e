"""scripts/start names the address it really serves, also when PORT picks another port."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("port", "expected"), [(None, "5000"), ("8123", "8123")])
def test_the_banner_names_the_port_the_app_runs_on(
    tmp_path: Path, port: str | None, expected: str
) -> None:
    # A copy of the script beside stand-ins for the setup and for flask, which print their call.
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "start", tmp_path / "scripts" / "start")
    (tmp_path / "scripts" / "setup").write_text("#!/bin/sh\n")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "flask").write_text('#!/bin/sh\necho "flask $*"\n')
    for stub in ("scripts/setup", ".venv/bin/flask"):
        (tmp_path / stub).chmod(0o755)
    env = {key: value for key, value in os.environ.items() if key != "PORT"}
    if port:
        env["PORT"] = port

    run = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "start")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )

    assert f"Samverkan runs at http://127.0.0.1:{expected} " in run.stdout
    assert run.stdout.rstrip().endswith(f"--port {expected}")
