"""A user's own account: password and language; setting a password with a link."""

from __future__ import annotations

from flask import Blueprint, Response, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from ..forms import LanguageForm, PasswordChangeForm, SetPasswordForm
from ..htmx import render
from ..services import accounts
from .forms_help import accepted, done

bp = Blueprint("account", __name__)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def index() -> Response:
    """Change one's password (the current one is required) and choose the language."""
    form = PasswordChangeForm()
    outcome = accepted(form, lambda: _change_password(form))
    if outcome.saved:
        return done(_("Your password is changed."), url_for("account.index"))
    return render(
        "account/index.html",
        "account_body",
        outcome.status,
        form=form,
        language_form=LanguageForm(formdata=None),
    )


def _change_password(form: PasswordChangeForm) -> None:
    accounts.change_password(current_user, form.current_password.data, form.new_password.data)
    # The new token ended every session, this one too: carry on here with it.
    login_user(current_user._get_current_object())


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> Response:
    """Set a password with a one-time link an admin handed over."""
    link = accounts.valid_link(token)
    form = SetPasswordForm()
    if link is None:
        return render("account/set_password.html", "set_password", 404, form=None, person=None)
    outcome = accepted(form, lambda: accounts.set_password_with_link(token, form.password.data))
    if outcome.saved:
        login_url = url_for("auth.login", organisation=outcome.result.organisation.slug)
        return done(_("Your password is set. Log in with it."), login_url)
    return render(
        "account/set_password.html", "set_password", outcome.status, form=form, person=link.user
    )
