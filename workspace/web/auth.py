"""Logging in per organisation (with a password, or through the organisation's own login),
logging out, choosing the language."""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.flask_client import OAuthError
from flask import Blueprint, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from ..extensions import limiter
from ..forms import EmptyForm, LanguageForm, LoginForm
from ..htmx import is_fragment_request, redirect_to, render
from ..i18n import genitive
from ..models import IdentityProvider, User
from ..policy import Denied
from ..services import accounts, identity, notifications, organisations, users

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
        return _login_page(form, status)
    try:
        user = users.authenticate(form.organisation.data, form.email.data, form.password.data)
    except Denied as refused:  # the right password, but the organisation's own login rules
        return _login_page(form, 403, error=refused.message)
    if user is None:
        return _login_page(form, 401, error=_("The organisation, email or password is wrong."))
    return _logged_in(user, remember=bool(form.remember.data))


def _login_form() -> LoginForm:
    form = LoginForm()
    form.set_organisations(organisations.tenants())
    if request.method == "GET" and request.args.get("organisation"):
        form.organisation.data = request.args["organisation"]
    return form


def _login_page(form: LoginForm, status: int, error: str | None = None) -> Response:
    """The login form, led by the organisations' own logins: the chosen organisation's
    alone once one is chosen, each one's before that."""
    providers = identity.providers_by_organisation()
    offered = [org for org in organisations.tenants() if org.id in providers]
    if form.organisation.data:
        offered = [org for org in offered if org.slug == form.organisation.data]
    return render(
        "auth/login.html", "login_form", status, form=form, error=error, own_logins=offered
    )


def _logged_in(user: User, remember: bool, next_url: str | None = None) -> Response:
    """A fresh session for the user, then the page they asked for (303)."""
    next_url = safe_next(next_url or request.args.get("next"))
    accounts.start_session(user)
    session.clear()
    login_user(user, remember=remember)
    return redirect(next_url, 303)


# --- The organisation's own login (OpenID Connect) ------------------------------------------


def _provider_or_404(slug: str) -> IdentityProvider:
    organisation = organisations.tenant_by_slug(slug)
    provider = identity.provider_of(organisation) if organisation else None
    if provider is None:
        abort(404)
    return provider


@bp.get("/login/<slug>/provider")
def provider_login(slug: str) -> Response:
    """Off to the organisation's provider, with `state`, `nonce` and a PKCE challenge kept in
    the session for the way back."""
    provider = _provider_or_404(slug)
    session["login_next"] = safe_next(request.args.get("next"))
    try:
        return identity.client(provider).authorize_redirect(
            identity.redirect_uri_for(provider.organisation)
        )
    except (requests.RequestException, ValueError, RuntimeError, identity.SecretUnreadable):
        return _provider_failed(provider, "unreachable")


@bp.get("/login/<slug>/provider/callback")
def provider_callback(slug: str) -> Response:
    """Back from the provider: the code for tokens, the ID token verified, then the user it
    names, or a page that says what went wrong (and nobody is logged in)."""
    provider = _provider_or_404(slug)
    try:
        token = identity.client(provider).authorize_access_token(leeway=identity.CLOCK_SKEW_SECONDS)
    except MismatchingStateError:
        return _provider_failed(provider, "state")
    except OAuthError as error:
        return _provider_failed(provider, "cancelled" if error.error == "access_denied" else "code")
    except (requests.RequestException, identity.SecretUnreadable):
        return _provider_failed(provider, "unreachable")
    except (AuthlibBaseError, JoseError, ValueError, KeyError, RuntimeError):
        return _provider_failed(provider, "token")
    if not token.get("userinfo") or not token.get("id_token"):
        return _provider_failed(provider, "token")
    try:
        user = identity.sign_in(provider, dict(token["userinfo"]))
    except identity.SignInRefused as refused:
        return _provider_page(provider, 403, _("You cannot log in"), refused.message)
    response = _logged_in(user, remember=False, next_url=session.get("login_next"))
    # For the logout, which ends the provider's session too.
    session["provider_id_token"] = token["id_token"]
    return response


def _provider_failed(provider: IdentityProvider, reason: str) -> Response:
    identity.record_failure(provider, reason)
    session.pop("login_next", None)
    name = provider.organisation.name
    messages = {
        "unreachable": (
            502,
            _(
                "%(genitive)s login does not answer. Try again in a while; if it goes on, "
                "tell your IT department.",
                genitive=genitive(name),
            ),
        ),
        "state": (
            400,
            _("The login was started in another window or took too long. Start it again here."),
        ),
        "code": (
            400,
            _("The login had expired or was already used. Start it again here."),
        ),
        "cancelled": (400, _("The login was cancelled. Start it again when you want to.")),
        "token": (
            400,
            _(
                "The answer from %(genitive)s login could not be verified, so nobody was "
                "logged in. Try again; if it goes on, tell your IT department (a wrong key or "
                "clock).",
                genitive=genitive(name),
            ),
        ),
    }
    status, message = messages[reason]
    return _provider_page(provider, status, _("The login did not go through"), message)


def _provider_page(provider: IdentityProvider, status: int, title: str, message: str) -> Response:
    back = url_for("auth.login", organisation=provider.organisation.slug)
    return render(
        "errors/error.html",
        "error",
        status,
        title=title,
        message=message,
        link=(back, _("Back to the login")),
    )


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Log out and forget the session."""
    if EmptyForm().validate_on_submit():
        provider = identity.provider_of(current_user.organisation)
        id_token = session.get("provider_id_token")
        accounts.end_sessions(current_user)
        logout_user()
        session.clear()
        flash(_("You are logged out."), "info")
        end_session = (
            identity.end_session_url(provider, id_token, url_for("auth.login", _external=True))
            if provider is not None and id_token
            else None
        )
        if end_session:
            # The provider's session ends too. Not by a redirect: the page's CSP lets a form
            # go to this site only (form-action), and the browser holds a redirect to that.
            return render(
                "auth/logged_out.html",
                "logged_out",
                200,
                end_session=end_session,
                organisation=provider.organisation,
            )
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
