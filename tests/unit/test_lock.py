"""requirements.lock pins every runtime dependency (and the redis extra) to a version that
pyproject.toml allows: a dependency added or narrowed without `scripts/update-lock` fails."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]


def pinned() -> dict[str, list[str]]:
    """Versions in the lock by package; one package may be pinned per Python version."""
    versions: dict[str, list[str]] = {}
    lock = (REPO / "requirements.lock").read_text()
    for name, version in re.findall(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", lock, re.MULTILINE):
        versions.setdefault(canonicalize_name(name), []).append(version)
    return versions


def test_every_dependency_is_locked_with_hashes_to_an_allowed_version() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    locked = pinned()
    for line in project["dependencies"] + project["optional-dependencies"]["redis"]:
        requirement = Requirement(line)
        versions = locked.get(canonicalize_name(requirement.name))
        assert versions, f"{requirement.name} is not in requirements.lock: run scripts/update-lock"
        assert all(requirement.specifier.contains(v) for v in versions), (requirement, versions)
    assert "redis" in locked
    lock = (REPO / "requirements.lock").read_text()
    assert lock.count("==") <= lock.count("--hash=sha256:")
