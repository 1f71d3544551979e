"""Errors answer with a clear message, as a page or as a fragment for htmx."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from contextlib import suppress

from flask import Flask, current_app, g, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from jinja2_fragments.flask import render_block
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from ..extensions import db, limiter, login_manager
from ..htmx import is_fragment_request, render
from ..policy import Denied

# How long a browser (or a proxy) should wait before asking again after a 503.
RETRY_AFTER_SECONDS = 30


# Views that can show their own form again, as the user filled it in and with a fresh token,
# when the token the page carried is no longer valid: endpoint -> answer(message, **view_args).
ExpiredFormAnswer = Callable[..., Response]
_EXPIRED_FORM_ANSWERS: dict[str, ExpiredFormAnswer] = {}


def answers_expired_page(endpoint: str) -> Callable[[ExpiredFormAnswer], ExpiredFormAnswer]:
    """Register how `endpoint` answers an expired page: its form again, values kept, 400."""

    def register_answer(answer: ExpiredFormAnswer) -> ExpiredFormAnswer:
        _EXPIRED_FORM_ANSWERS[endpoint] = answer
        return answer

    return register_answer


def _expired_form(message: str) -> Response | None:
    answer = _EXPIRED_FORM_ANSWERS.get(request.endpoint or "")
    if answer is None or not current_user.is_authenticated:
        return None
    try:
        return answer(message, **(request.view_args or {}))
    except (HTTPException, Denied):
        # Not the user's to see or change any more: the general answer says enough.
        return None


def _page(
    status: int,
    title: str,
    message: str,
    reload: bool = False,
    link: tuple[str, str] | None = None,
) -> Response:
    return render(
        "errors/error.html",
        "error",
        status,
        title=title,
        message=message,
        reload=reload,
        link=link,
    )


def is_database_unavailable(error: DBAPIError) -> bool:
    """The database cannot be reached, is locked or dropped the connection: a passing fault,
    not a bug. SQLite reports "database is locked" and "unable to open database file" as
    OperationalError; PostgreSQL reports a refused or broken connection the same way."""
    return isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated


def _denied(error: Denied) -> Response:
    return _page(error.status, _("Not allowed"), error.message)


def _minutes_to_wait() -> int:
    """Whole minutes until every limit this request broke lets the client try again."""
    resets = [limit.window.reset_time for limit in limiter.current_limits if limit.breached]
    return max(1, math.ceil((max(resets, default=0) - time.time()) / 60))


def _too_many(error: HTTPException) -> Response:
    minutes = _minutes_to_wait()
    link = None
    # Only the login counts failures; other limits (problem reports) count every send.
    if request.endpoint == "auth.login":
        message = ngettext(
            "Too many failed attempts. Try again in %(num)d minute.",
            "Too many failed attempts. Try again in %(num)d minutes.",
            minutes,
        )
        back = url_for(
            "auth.login",
            organisation=request.form.get("organisation"),
            next=request.args.get("next"),
        )
        link = (back, _("Back to the login page"))
    else:
        message = _("You have sent this many times in a short while. Try again later.")
    response = _page(429, _("Too many attempts"), message, link=link)
    # The same wait as the page says; Flask-Limiter keeps the later of this and its own.
    response.headers["Retry-After"] = str(minutes * 60)
    return response


def _csrf_failed(error: CSRFError) -> Response:
    kept = _expired_form(
        _("The page had expired, so nothing was saved. What you wrote is kept: save again.")
    )
    if kept is not None:
        return kept
    title = _("The page has expired")
    message = _("Nothing was saved. Reload the page and try again.")
    if is_fragment_request():
        # Into the page's alert box, out of band: the form the user typed into stays.
        return Response(
            render_block("errors/error.html", "expired_notice", title=title, message=message),
            400,
        )
    return _page(400, title, message, reload=True)


def _http_error(error: HTTPException) -> Response:
    messages = {
        400: (_("Bad request"), _("The request could not be understood.")),
        403: (_("Not allowed"), _("You do not have permission to do this.")),
        404: (
            _("Page not found"),
            _("The page does not exist, or you do not have access to it."),
        ),
        405: (_("Not allowed"), _("That is not possible on this page.")),
        413: (_("The file is too large"), _("The file is larger than 10 MB.")),
    }
    title, message = messages.get(
        error.code or 500, (_("Something went wrong"), _("Please try again."))
    )
    if error.code == 413 and (request.content_length or 0) <= (
        current_app.config["MAX_CONTENT_LENGTH"] or 0
    ):
        # Within the upload limit, yet too large: one text field over Flask's form limit.
        title, message = (
            _("The text is too long"),
            _("A text in the form is far too long. Shorten it and try again."),
        )
    return _page(error.code or 500, title, message)


def _database_error(error: DBAPIError) -> Response:
    if not is_database_unavailable(error):
        raise error
    current_app.logger.warning("Database unavailable: %s", error)
    # The connection may be gone already; the session is discarded at teardown anyway.
    with suppress(SQLAlchemyError):
        db.session.rollback()
    # The page must not ask the database who is logged in (Flask-Login keeps the user
    # of the request in g): no account menu, the language of the session or browser.
    g._login_user = login_manager.anonymous_user()
    response = _page(
        503,
        _("The service is temporarily unavailable"),
        _(
            "Something on our side is not answering right now. Nothing was saved. "
            "Wait a moment and try again."
        ),
        reload=True,
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _server_error(error: InternalServerError) -> Response:
    db.session.rollback()
    return _page(
        500,
        _("Something went wrong"),
        _("Something went wrong on our side. Nothing was saved. Please try again."),
        reload=True,
    )


def register(app: Flask) -> None:
    """Every error answers with its page, or its fragment for htmx."""
    app.register_error_handler(Denied, _denied)
    app.register_error_handler(429, _too_many)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(InternalServerError, _server_error)
