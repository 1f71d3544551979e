"""A wheel built from the repository is the whole app: installed into a fresh virtualenv
outside the checkout it upgrades its database and serves the login page in Swedish, with its
own templates, static files, migrations and compiled translations.

No network: the wheel is built without build isolation and installed without dependencies;
the new virtualenv sees this suite's dependencies through a .pth file (which does not run the
.pth files there, so the checkout's editable `workspace` stays out of sight).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import site
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCES = [
    "workspace",
    "templates",
    "static",
    "migrations",
    "pyproject.toml",
    "setup.py",
    "MANIFEST.in",
    "README.md",
    "babel.cfg",
]
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")

CHECK = """
import json, workspace
from pathlib import Path
print(json.dumps({"file": workspace.__file__,
                  "templates": str(workspace.resource_dir("templates")),
                  "migrations": str(workspace.resource_dir("migrations"))}))
"""


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> str:
    request = urllib.request.Request(url, headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        return response.read().decode()


def build_and_install(tmp_path: Path) -> Path:
    """The wheel built from a copy of the sources (no .mo files in it), installed in a venv."""
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=IGNORE)
        else:
            shutil.copy(REPO / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    run(*pip, "wheel", source, "--no-deps", "--no-build-isolation", "-w", "dist", cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("samverkan_workspace-*.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(*pip, "--python", python, "install", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    site_packages = Path(
        run(
            python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path
        ).strip()
    )
    (site_packages / "suite-dependencies.pth").write_text("\n".join(site.getsitepackages()))
    return venv


def test_the_installed_wheel_serves_the_app_in_swedish(tmp_path: Path) -> None:
    venv = build_and_install(tmp_path)
    python = venv / "bin" / "python"
    work = tmp_path / "run"
    work.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SAMVERKAN_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'samverkan.sqlite3'}",
        "HTMX_SOURCE": "local",
    }

    found = json.loads(run(python, "-c", CHECK, cwd=work, env=env))
    for place in found.values():
        assert Path(place).is_relative_to(venv), found
    run(python, "-m", "flask", "--app", "workspace", "db", "upgrade", cwd=work, env=env)

    port = free_port()
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "workspace:create_app()"],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                page = get(f"{base}/login")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.2)
        assert '<html lang="sv">' in page
        assert "Logga in" in page and "Password" not in page
        for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', page):
            assert get(base + url)
    finally:
        server.terminate()
        server.wait(timeout=10)
