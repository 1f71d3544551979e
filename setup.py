"""The build step that makes a wheel a working app (everything else is in pyproject.toml).

Templates, static files and migrations live at the checkout's root; the wheel carries them
inside the package (`workspace/templates`, `workspace/static`, `workspace/migrations`), where
`workspace.resource_dir` finds them once installed. The Swedish translations are compiled from
the `.po` files here, so the `.mo` files never need to be committed. The local htmx copy
(fetched by scripts/setup, not in git) goes in only when it is the pinned build.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
RESOURCES = ("templates", "static", "migrations")
HTMX = Path("static") / "vendor" / "htmx.min.js"


def _pinned_htmx_sri() -> str:
    # workspace/config.py imports only the standard library; the package itself needs Flask.
    spec = importlib.util.spec_from_file_location("_config", ROOT / "workspace" / "config.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.HTMX_SRI


def _sri(path: Path) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


class BuildWithResources(build_py):
    """build_py, plus the resources and the compiled translations in the package."""

    def run(self) -> None:
        if getattr(self, "editable_mode", False):
            super().run()
            return  # an editable install reads them from the checkout
        package = Path(self.build_lib) / "workspace"
        # A fresh tree each time: a module or template deleted since the last build stays out.
        shutil.rmtree(package, ignore_errors=True)
        super().run()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "vendor")
        for name in RESOURCES:
            shutil.copytree(ROOT / name, package / name, ignore=ignore)
        self._copy_htmx(package)
        for po in (ROOT / "workspace" / "translations").glob("*/LC_MESSAGES/*.po"):
            target = package / po.relative_to(ROOT / "workspace").with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalog = read_po(source)
            with target.open("wb") as out:
                write_mo(out, catalog)  # fuzzy entries left out, as `pybabel compile` does

    def _copy_htmx(self, package: Path) -> None:
        source = ROOT / HTMX
        if not source.is_file():
            self.announce(f"{HTMX} is missing: this wheel serves htmx from the CDN only", 3)
            return
        if _sri(source) != _pinned_htmx_sri():
            raise SystemExit(f"{HTMX} is not the pinned htmx build: run scripts/fetch-htmx")
        (package / HTMX).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, package / HTMX)


setup(cmdclass={"build_py": BuildWithResources})
