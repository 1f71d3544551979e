"""Response headers that make the browser refuse what the app never does itself."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response

from . import config


def content_security_policy(app: Flask) -> str:
    """No inline script and no eval anywhere; scripts from this site, plus the pinned htmx
    file's CDN when pages load it from there."""
    script_src = ["'self'"]
    if app.config["HTMX_SOURCE"] == "cdn":
        cdn = urlsplit(config.HTMX_CDN_URL)
        script_src.append(f"{cdn.scheme}://{cdn.netloc}")
    directives = {
        "default-src": ["'self'"],
        "script-src": script_src,
        "style-src": ["'self'"],
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
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if production:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
