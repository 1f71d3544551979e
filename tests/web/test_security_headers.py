"""Headers that make the browser refuse script injection, framing and sniffing."""

from __future__ import annotations

import secrets

from workspace import create_app
from workspace.config import HTMX_CDN_URL


def test_every_answer_carries_the_security_headers(client, auth):
    for response in (
        client.get("/login"),
        auth.login("kramfors", "lasare"),
        client.get("/plans/1"),
    ):
        csp = response.headers["Content-Security-Policy"]
        assert (
            "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "unsafe-eval" not in csp
        )
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers  # not in testing


def test_only_the_pinned_htmx_file_is_allowed_from_the_cdn(tmp_path):
    base = {
        "SAMVERKAN_ENV": "testing",
        "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
    }
    cdn = create_app({**base, "HTMX_SOURCE": "cdn"}).test_client().get("/static/css/app.css")
    local = create_app({**base, "HTMX_SOURCE": "local"}).test_client().get("/static/css/app.css")
    script_src = next(
        part.split()[1:]
        for part in cdn.headers["Content-Security-Policy"].split("; ")
        if part.startswith("script-src ")
    )
    assert script_src == ["'self'", HTMX_CDN_URL]
    assert HTMX_CDN_URL.startswith("https://cdn.jsdelivr.net/npm/htmx.org@")
    assert "cdn.jsdelivr.net" not in local.headers["Content-Security-Policy"]


def test_production_asks_for_https(tmp_path):
    app = create_app(
        {
            "SAMVERKAN_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        }
    )
    response = app.test_client().get("/static/css/app.css")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_htmx_may_only_talk_to_this_site(client, auth):
    auth.login("kramfors", "lasare")
    page = client.get("/plans/1").get_data(as_text=True)
    assert """<meta name="htmx-config" content='{"mode": "same-origin"}'>""" in page
