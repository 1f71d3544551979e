"""A user's own account: password and language; setting a password with a link."""

from __future__ import annotations

from flask import Blueprint, Response, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from ..forms import LanguageForm, PasswordChangeForm, SetPasswordForm
from ..htmx import redirect_to, render
from ..services import accounts
from ..services.errors import ValidationFailed
from .forms_help import errors_onto

bp = Blueprint("account", __name__)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def index() -> Response:
    """Change one's password (the current one is required) and choose the language."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except ValidationFailed as refused:
            errors_onto(form, refused)
        else:
            # The new token ended every session, this one too: carry on here with it.
            login_user(current_user._get_current_object())
            flash(_("Your password is changed."), "info")
            return redirect_to(url_for("account.index"))
    status = 422 if request.method == "POST" else 200
    return render(
        "account/index.html",
        "account_body",
        status,
        form=form,
        language_form=LanguageForm(formdata=None),
    )


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> Response:
    """Set a password with a one-time link an admin handed over."""
    link = accounts.valid_link(token)
    form = SetPasswordForm()
    if link is None:
        return render("account/set_password.html", "set_password", 404, form=None, person=None)
    if form.validate_on_submit():
        try:
            user = accounts.set_password_with_link(token, form.password.data)
        except ValidationFailed as refused:
            errors_onto(form, refused)
        else:
            flash(_("Your password is set. Log in with it."), "info")
            return redirect_to(url_for("auth.login", organisation=user.organisation.slug))
    status = 422 if request.method == "POST" else 200
    return render("account/set_password.html", "set_password", status, form=form, person=link.user)
