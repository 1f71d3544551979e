"""Response headers that make the browser refuse what the app never does itself, and keep
what it shows out of every cache."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request

from . import config


def style_nonce() -> str:
    """The nonce of this page's one inline style, allowed by its policy once asked for: the
    printed report's running header, which CSS can take from no element of the page."""
    if "style_nonce" not in g:
        g.style_nonce = secrets.token_urlsafe(16)
    return g.style_nonce


def content_security_policy(app: Flask, style_nonce: str | None = None) -> str:
    """No inline script and no eval anywhere; scripts from this site, plus the one pinned
    htmx file when pages load it from the CDN (a source with a path allows that URL only);
    inline style only with the page's nonce."""
    script_src = ["'self'"]
    if app.config["HTMX_SOURCE"] == "cdn":
        script_src.append(config.HTMX_CDN_URL)
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
        if request.endpoint != "static" or response.status_code >= 400:
            # Pages, fragments, downloads and errors may all show personal data or carry a
            # CSRF token: no cache (the browser's, a proxy's, a shared computer's) keeps them.
            # Static files set their own: a year when fingerprinted (see assets.py).
            response.headers["Cache-Control"] = "private, no-store"
        if production:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
