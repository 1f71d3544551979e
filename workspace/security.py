"""Response headers that make the browser refuse what the app never does itself."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, g

from . import config


def style_nonce() -> str:
    """The nonce of this page's one inline style, allowed by its policy once asked for: the
    printed report's running header, which CSS can take from no element of the page."""
    if "style_nonce" not in g:
        g.style_nonce = secrets.token_urlsafe(16)
    return g.style_nonce


def content_security_policy(app: Flask, style_nonce: str | None = None) -> str:
    """No inline script and no eval anywhere; scripts from this site, plus the pinned htmx
    file's CDN when pages load it from there; inline style only with the page's nonce."""
    script_src = ["'self'"]
    if app.config["HTMX_SOURCE"] == "cdn":
        cdn = urlsplit(config.HTMX_CDN_URL)
        script_src.append(f"{cdn.scheme}://{cdn.netloc}")
    directives = {
        "default-src": ["'self'"],
        "script-src": script_src,
        "style-src": ["'self'", *([f"'nonce-{style_nonce}'"] if style_nonce else [])],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def register(app: Flask) -> None:
    policy = content_security_policy(app)
    production = app.config["SAMVERKAN_ENV"] == "production"

    @app.after_request
    def secure_headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            content_security_policy(app, g.style_nonce) if "style_nonce" in g else policy,
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if production:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
