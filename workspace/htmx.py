"""One place that decides how a view answers: full page, fragment, or redirect."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block


def is_fragment_request() -> bool:
    """htmx asks for a piece of the page; its history restore wants the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(template: str, block: str, status: int = 200, **context: Any) -> Response:
    """The named block of `template` for htmx, the whole page otherwise: one source for both."""
    if is_fragment_request():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def redirect_to(location: str) -> Response:
    """Send the browser elsewhere: `HX-Redirect` inside htmx, a 303 for a plain request."""
    if is_fragment_request():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, 303)


def nothing_new() -> Response:
    """204 for a poll when nothing changed. The body is set (empty) so the response has a
    length of 0: compression then leaves it alone instead of labelling it gzip."""
    return Response(b"", 204)
