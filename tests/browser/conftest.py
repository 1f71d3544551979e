"""Browser tests: Playwright drives Debian's Chromium against the app on a live server.

Every test here is marked `browser`. Chromium is never downloaded (`playwright install` cannot
reach the internet here): a missing executable fails the run with the way to install it.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from werkzeug.serving import make_server

from workspace.services.demo import DEMO_PASSWORD

BROWSER_TESTS = Path(__file__).resolve().parent

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps trying to reach the internet.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Login radio labels as the user sees them, by organisation slug.
ORGANISATIONS = {
    "solleftea": "Sollefteå kommun",
    "kramfors": "Kramfors kommun",
    "polisen": "Polisen, Sollefteå närpolisområde",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_TESTS in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.access(executable, os.X_OK):
        pytest.fail(
            f"No Chromium at {executable}: run scripts/ensure-chromium (it installs Debian's "
            "chromium) or set CHROMIUM_PATH. Browser tests never download a browser.",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # Tests needing another viewport or no JavaScript use
    # @pytest.mark.browser_context_args(...), which pytest-playwright merges in.
    return {
        **browser_context_args,
        "locale": "sv-SE",
        "viewport": {"width": 1366, "height": 768},
    }


@pytest.fixture
def context(context: BrowserContext) -> BrowserContext:
    # Everything is local: a control missing for 10 s is a failure, not a slow network, and a
    # broken page should not cost 30 s per test.
    context.set_default_timeout(10_000)
    return context


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve `app` on a free port of 127.0.0.1 in a daemon thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The demo workspace (a fresh database copy) served over HTTP for this test."""
    with serve(app) as base_url:
        yield base_url


LoginUi = Callable[..., None]


def login_through_ui(
    page: Page,
    base_url: str,
    organisation: str,
    who: str = "lasare",
    password: str = DEMO_PASSWORD,
) -> None:
    """Log in the way a person does: organisation radio, email, password, "Logga in"."""
    page.goto(f"{base_url}/login")
    page.get_by_role("radio", name=ORGANISATIONS[organisation], exact=True).check()
    page.get_by_label("E-postadress").fill(f"{who}@{organisation}.example")
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/plans/\d+$"))


@pytest.fixture
def login(live_server: str) -> LoginUi:
    """`login(page, "kramfors")` logs lasare@kramfors.example in; `who=` picks another user."""

    def _login(page: Page, organisation: str, who: str = "lasare", **kwargs: Any) -> None:
        login_through_ui(page, live_server, organisation, who, **kwargs)

    return _login


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> str:
    """What axe-core finds on the page at one of `impacts`: a line per rule broken, with up to
    eight of the elements at fault; empty when the page passes."""
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:8])
        for v in Axe().run(page).response["violations"]
        if v.get("impact") in impacts
    )
