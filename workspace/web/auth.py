"""Logging in per organisation, logging out, choosing the language."""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from ..extensions import limiter
from ..forms import EmptyForm, LanguageForm, LoginForm
from ..htmx import is_fragment_request, redirect_to, render
from ..models import User
from ..services import accounts, notifications, organisations, users

bp = Blueprint("auth", __name__)


def configure_login(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = None

    @manager.user_loader
    def load_user(session_id: str) -> User | None:
        # "<id>:<token>": a token changed by logout or a new password ends the session.
        user_id, _, token = session_id.partition(":")
        if not user_id.isdigit():
            return None
        poll = g.get("idle_poll")
        if poll:
            user = poll.load_user(int(user_id))
        else:
            # The header's bell count comes with the user's row: no query of its own.
            user, g.unread_notifications = notifications.load_with_unread(int(user_id))
        if user is None or not user.active or not user.session_token:
            return None
        return user if hmac.compare_digest(user.session_token, token) else None

    @manager.unauthorized_handler
    def unauthorized() -> Response:
        login_url = url_for("auth.login", next=request.full_path.rstrip("?"))
        if is_fragment_request():
            # A 302 inside a fragment would swap the login page into the component.
            response = Response("", 401)
            response.headers["HX-Redirect"] = login_url
            return response
        return redirect(login_url)


# What a browser would read as another site, or that could split the Location header: a
# backslash (browsers take it for a slash), control characters (tabs and line breaks are
# dropped inside a URL, so "/\t/evil.example" is "//evil.example") and lone surrogates.
_NOT_IN_A_LOCAL_PATH = re.compile(r"[\x00-\x1f\x7f\\\ud800-\udfff]")


def is_local_path(target: str) -> bool:
    """A path on this site as every browser reads it: one slash, then anything but a second
    slash (`//evil.example`, `///evil.example` are another host), no scheme, no host."""
    if not target.startswith("/") or target.startswith("//"):
        return False
    if _NOT_IN_A_LOCAL_PATH.search(target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, fallback: str | None = None) -> str:
    """Only a path on this site; anything else could send the user to a phishing page."""
    if target and is_local_path(target):
        return target
    return fallback or url_for("plans.start")


def _account() -> str:
    organisation = (request.form.get("organisation") or "")[:60]
    return f"{organisation}:{users.normalise_email(request.form.get('email') or '')[:254]}"


def _account_key() -> str:
    return f"login:{_account()}"


def _account_and_address_key() -> str:
    return f"login:{_account()}:{get_remote_address()}"


def _wrong_credentials(response: Response) -> bool:
    # Only a wrong password counts: a user who logs in often is not an attacker, and refused
    # (429) attempts must not push the account's shared ceiling up for everyone else.
    return response.status_code == 401


def _login_limit(setting: str, scope: str, key_func: Callable[[], str] | None = None) -> Any:
    return limiter.limit(
        lambda: current_app.config[setting],
        key_func=key_func,
        methods=["POST"],
        deduct_when=_wrong_credentials,
        scope=scope,
    )


@bp.route("/login", methods=["GET", "POST"])
@_login_limit("LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", "login-pair", _account_and_address_key)
@_login_limit("LOGIN_LIMIT_PER_ACCOUNT", "login-account", _account_key)
@_login_limit("LOGIN_LIMIT_PER_ADDRESS", "login-address")
def login() -> Response:
    """Choose organisation, then email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("plans.start"))
    form = _login_form()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render("auth/login.html", "login_form", status, form=form, error=None)
    user = users.authenticate(form.organisation.data, form.email.data, form.password.data)
    if user is None:
        error = _("The organisation, email or password is wrong.")
        return render("auth/login.html", "login_form", 401, form=form, error=error)
    return _logged_in(user, remember=bool(form.remember.data))


def _login_form() -> LoginForm:
    form = LoginForm()
    form.set_organisations(organisations.tenants())
    if request.method == "GET" and request.args.get("organisation"):
        form.organisation.data = request.args["organisation"]
    return form


def _logged_in(user: User, remember: bool) -> Response:
    """A fresh session for the user, then the page they asked for (303)."""
    next_url = safe_next(request.args.get("next"))
    accounts.start_session(user)
    session.clear()
    login_user(user, remember=remember)
    return redirect(next_url, 303)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Log out and forget the session."""
    if EmptyForm().validate_on_submit():
        accounts.end_sessions(current_user)
        logout_user()
        session.clear()
        flash(_("You are logged out."), "info")
    return redirect_to(url_for("auth.login"))


@bp.post("/language")
def set_language() -> Response:
    """Remember the chosen language for this browser and, when logged in, for the user."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            accounts.set_locale(current_user, form.locale.data)
    return redirect(safe_next(request.form.get("next")), 303)
