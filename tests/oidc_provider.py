"""A real OpenID Connect provider for the tests: npm's certified `oidc-provider`, run by
`tests/oidc/provider.mjs` on a free local port (set up by `scripts/setup`), and a person
signing in at it over plain HTTP as a browser would: its login form, then its consent form.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

HERE = Path(__file__).parent / "oidc"
CLIENT_ID = "samverkan"
CLIENT_SECRET = "a-client-secret-only-the-tests-know"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen[bytes]


@contextmanager
def running_provider(
    redirect_uris: list[str],
    *,
    post_logout_redirect_uris: tuple[str, ...] = (),
    clock_offset_seconds: int = 0,
    publish_other_key: bool = False,
) -> Iterator[Provider]:
    """Start the provider with a client registered for these redirect URIs; stop it after.
    Fails, never skips, without Node.js or the package (run `scripts/setup test,dev`)."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the OpenID provider of the tests"
    assert (HERE / "node_modules" / "oidc-provider").is_dir(), (
        "tests/oidc has no node_modules: run scripts/setup test,dev"
    )
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URIS": ",".join(redirect_uris),
        "POST_LOGOUT_REDIRECT_URIS": ",".join(post_logout_redirect_uris),
        "CLOCK_OFFSET_SECONDS": str(clock_offset_seconds),
        "PUBLISH_OTHER_KEY": "1" if publish_other_key else "",
    }
    process = subprocess.Popen(
        [node, str(HERE / "provider.mjs")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(issuer, process)
        yield Provider(issuer, process)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_ready(issuer: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode() if process.stderr else "")
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("the OpenID provider did not start within 30 seconds")


_FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def sign_in_at_provider(authorization_url: str, login: str) -> str:
    """Follow the app's redirect to the provider, sign in as `login` (its e-mail), consent,
    and return where the provider sends the browser back: the app's callback with the code.
    The provider's own cookies live in a session of its own, as in a browser."""
    browser = requests.Session()
    page = browser.get(authorization_url)
    page.raise_for_status()
    page = browser.post(
        urljoin(page.url, _form_action(page.text)),
        data={"prompt": "login", "login": login, "password": "any"},
    )
    page = browser.post(
        urljoin(page.url, _form_action(page.text)),
        data={"prompt": "consent"},
        allow_redirects=False,
    )
    provider_origin = "{0.scheme}://{0.netloc}/".format(urlsplit(authorization_url))
    while page.status_code in (302, 303):
        location = urljoin(page.url, page.headers["Location"])
        if not location.startswith(provider_origin):
            break
        page = browser.get(location, allow_redirects=False)
    assert page.status_code in (302, 303), page.text[:500]
    return page.headers["Location"]


def _form_action(html: str) -> str:
    found = _FORM_ACTION.search(html)
    assert found, html[:500]
    return found.group(1)


_shared: Provider | None = None


def shared_provider() -> Provider:
    """One provider for the whole test run, for tests that only need the app's first steps
    towards it (the access matrix); stopped when the run ends."""
    global _shared
    if _shared is None:
        stack = ExitStack()
        _shared = stack.enter_context(
            running_provider(["http://localhost/login/kramfors/provider/callback"])
        )
        atexit.register(stack.close)
    return _shared
