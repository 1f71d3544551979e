"""An organisation's admin: its users, the functions they hold, its audit log, its own
login."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import Blueprint, Response, flash, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..forms import (
    AuditFilterForm,
    ConfirmForm,
    EmptyForm,
    LoginProviderForm,
    ReactivateForm,
    UserForm,
)
from ..htmx import redirect_to, render
from ..models import Function, IdentityProvider, User
from ..policy import Action, authorize, get_user_or_404
from ..routing import page_number
from ..services import accounts, audit, identity, organisations, users
from ..services.errors import StaleWrite, ValidationFailed
from .forms_help import accepted, done, with_functions

bp = Blueprint("admin", __name__, url_prefix="/admin")

AUDIT_PAGE_SIZE = 50
# How the audit page names events, actions and the objects they concern.
AUDIT_WORDS = {"label": audit.label, "describe": audit.describe, "object_name": audit.object_name}


def _org_users() -> list[User]:
    return list(
        db.session.execute(
            select(User)
            .where(User.organisation_id == current_user.organisation_id)
            .order_by(User.active.desc(), User.name)
        ).scalars()
    )


def _user_form(user: User | None = None, formdata: Any = "default") -> UserForm:
    kwargs: dict[str, Any] = {}
    if formdata != "default":
        kwargs["formdata"] = formdata
    if user is not None:
        kwargs.update(
            name=user.name,
            email=user.email,
            role=user.role.value,
            functions=[f.id for f in user.functions],
        )
    form = UserForm(**kwargs)
    form.functions.choices = [
        (f.id, _function_label(f)) for f in current_user.organisation.functions
    ]
    return form


def _function_label(function: Function) -> str:
    return f"{function.code} – {function.name}" if function.name != function.code else function.code


@bp.get("/users")
@login_required
def users_index() -> Response:
    """The organisation's users, and the functions nobody holds."""
    authorize(current_user, Action.MANAGE_USERS, current_user.organisation)
    return render(
        "admin/users.html",
        "user_list",
        people=_org_users(),
        vacant=organisations.vacant_functions(current_user.organisation_id),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user() -> Response:
    """Add a person; they set their own password through a one-time link."""
    authorize(current_user, Action.MANAGE_USERS, current_user.organisation)
    form = _user_form()
    outcome = accepted(
        form,
        lambda: users.add_user(
            current_user, current_user.organisation, **with_functions(form, "email", "name", "role")
        ),
    )
    if outcome.saved:
        user = outcome.result
        message = _("%(name)s is added. Give them a password link.", name=user.name)
        return done(message, url_for("admin.edit_user", user_id=user.id))
    return _user_page(form, outcome.status)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit_user(user_id: int) -> Response:
    """Change a person's name, email, role and functions."""
    user = get_user_or_404(current_user, user_id)
    authorize(current_user, Action.MANAGE_USERS, user)
    form = _user_form(user) if request.method == "GET" else _user_form()
    outcome = accepted(
        form,
        lambda: users.update_user(
            current_user, user, **with_functions(form, "email", "name", "role")
        ),
    )
    if outcome.saved:
        return done(_("The changes are saved."), url_for("admin.edit_user", user_id=user.id))
    return _user_page(form, outcome.status, user)


def _user_page(form: UserForm, status: int, person: User | None = None) -> Response:
    """The user form; for a person already added, with the forms of their access buttons."""
    return render(
        "admin/user_form.html",
        "user_form",
        status,
        form=form,
        person=person,
        action_form=EmptyForm(formdata=None),
    )


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@login_required
def deactivate(user_id: int) -> Response:
    """Deactivate a person (never delete: their history stays). If they are the last holder
    of a function with assignments, the admin first sees which and confirms."""
    user = get_user_or_404(current_user, user_id)
    authorize(current_user, Action.MANAGE_USERS, user)
    form = ConfirmForm()
    if request.method == "POST" and form.validate() and user.active:
        return _deactivated(user, form)
    # Sent again for someone already deactivated: the page says so, with 409.
    status = 200 if request.method != "POST" else 422 if user.active else 409
    vacant = users.vacated_by(user)
    return render("admin/deactivate.html", "confirm", status, person=user, vacant=vacant, form=form)


def _deactivated(user: User, form: ConfirmForm) -> Response:
    try:
        users.set_active(current_user, user, False, accept_vacancy=True)
    except ValidationFailed as refused:
        flash(" ".join(refused.errors.values()), "error")
    except StaleWrite:  # deactivated by someone else meanwhile: the page says so
        return render("admin/deactivate.html", "confirm", 409, person=user, form=form)
    else:
        flash(_("%(name)s is deactivated.", name=user.name), "info")
    return redirect_to(url_for("admin.users_index"))


@bp.route("/users/<int:user_id>/reactivate", methods=["GET", "POST"])
@login_required
def reactivate(user_id: int) -> Response:
    """Let a deactivated person log in again, offering back the functions they held."""
    user = get_user_or_404(current_user, user_id)
    authorize(current_user, Action.MANAGE_USERS, user)
    offered = organisations.held_when_deactivated(user) if not user.active else []
    form = _reactivate_form(offered)
    outcome = accepted(
        form,
        lambda: users.set_active(current_user, user, True, restore=set(form.functions.data or [])),
    )
    if outcome.saved:
        message = _("%(name)s can log in again.", name=user.name)
        return done(message, url_for("admin.edit_user", user_id=user.id))
    # Asked for someone who can log in already: the page says so, with 409.
    status = 409 if request.method != "POST" and user.active else outcome.status
    return render(
        "admin/reactivate.html", "confirm", status, person=user, offered=offered, form=form
    )


def _reactivate_form(offered: list[Function]) -> ReactivateForm:
    if request.method == "GET":
        form = ReactivateForm(formdata=None, functions=[f.id for f in offered])
    else:
        form = ReactivateForm()
    form.functions.choices = [(f.id, _function_label(f)) for f in offered]
    return form


@bp.post("/users/<int:user_id>/password-link")
@login_required
def password_link(user_id: int) -> Response:
    """Issue a one-time link to set a password. It is kept in the admin's session until it
    has been shown once, so reloading the page does not silently replace it."""
    user = get_user_or_404(current_user, user_id)
    if EmptyForm().validate_on_submit():
        token = accounts.issue_password_link(current_user, user)
        if accounts.mails_password_link(user):
            session["password_link"] = {"user_id": user.id, "mailed_to": user.email}
        else:
            link = url_for("account.set_password", token=token, _external=True)
            session["password_link"] = {"user_id": user.id, "link": link}
    return redirect_to(url_for("admin.show_password_link", user_id=user.id))


@bp.get("/users/<int:user_id>/password-link")
@login_required
def show_password_link(user_id: int) -> Response:
    """The new link, shown once for the admin to hand over."""
    user = get_user_or_404(current_user, user_id)
    authorize(current_user, Action.MANAGE_USERS, user)
    pending = session.pop("password_link", None)
    shown = pending if pending and pending.get("user_id") == user.id else {}
    return render(
        "admin/password_link.html",
        "link",
        person=user,
        link=shown.get("link"),
        mailed_to=shown.get("mailed_to"),
        action_form=EmptyForm(),
    )


@bp.get("/audit")
@login_required
def audit_log() -> Response:
    """Who did what and when in the organisation, newest first; filterable and exportable."""
    authorize(current_user, Action.VIEW_AUDIT_LOG, current_user.organisation)
    return _audit_page(*_audit_query())


@bp.get("/audit.csv")
@login_required
def audit_csv() -> Response:
    """The filtered audit log as CSV."""
    authorize(current_user, Action.VIEW_AUDIT_LOG, current_user.organisation)
    form, query = _audit_query()
    if form.errors:
        return _audit_page(form, query)  # the filter form with its errors, not a file
    rows = list(db.session.execute(query.limit(100_000)).scalars())
    return send_file(
        BytesIO(audit.to_csv(rows)),
        mimetype="text/csv",
        as_attachment=True,
        download_name="handelselogg.csv",
    )


def _audit_page(form: AuditFilterForm, query: Any) -> Response:
    """The audit log page; 400 with the form's messages when a filter is not valid."""
    page = db.paginate(query, page=page_number(), per_page=AUDIT_PAGE_SIZE, error_out=False)
    filters = {k: v for k, v in request.args.items() if k != "page"}
    return render(
        "admin/audit.html",
        "audit_rows",
        200 if not form.errors else 400,
        form=form,
        page=page,
        page_url=lambda number: url_for("admin.audit_log", page=number, **filters),
        **AUDIT_WORDS,
    )


def _audit_query() -> tuple[AuditFilterForm, Any]:
    form = AuditFilterForm(request.args)
    people = _org_users()
    form.user.choices = [("", _("Everyone"))] + [(str(u.id), u.name) for u in people]
    form.action.choices = [("", _("Everything"))] + [
        (key, str(value)) for key, value in audit.ACTION_LABELS.items()
    ]
    valid = form.validate()
    query = audit.events(
        current_user.organisation_id,
        user_id=int(form.user.data) if valid and form.user.data else None,
        action=form.action.data if valid else None,
        since=form.since.data if valid else None,
        until=form.until.data if valid else None,
    )
    return form, query


# --- The organisation's own login ------------------------------------------------------------


def _login_form(provider: IdentityProvider | None) -> LoginProviderForm:
    if request.method == "POST":
        return LoginProviderForm()
    return LoginProviderForm(obj=provider, data=None if provider else {"password_login": True})


@bp.route("/login", methods=["GET", "POST"])
@login_required
def own_login() -> Response:
    """Set up the organisation's own login (OpenID Connect) and what it lets in."""
    organisation = current_user.organisation
    authorize(current_user, Action.MANAGE_LOGIN, organisation)
    provider = identity.provider_of(organisation)
    form = _login_form(provider)
    outcome = accepted(
        form,
        lambda: identity.configure(
            current_user,
            organisation,
            identity.ProviderSettings(
                form.issuer.data,
                form.client_id.data,
                form.client_secret.data,
                bool(form.password_login.data),
                bool(form.creates_unknown_users.data),
            ),
            form.version.data,
        ),
    )
    if outcome.saved:
        return done(_("The organisation's own login is saved."), url_for("admin.own_login"))
    provider = identity.provider_of(organisation)
    if outcome.status == 409:
        # What the admin typed stays; saving again replaces what the other admin saved.
        form.version.data = provider.version if provider else None
    return render(
        "admin/own_login.html",
        "own_login",
        outcome.status,
        form=form,
        provider=provider,
        conflict=outcome.status == 409,
        redirect_uri=identity.redirect_uri_for(organisation),
    )


@bp.route("/login/remove", methods=["GET", "POST"])
@login_required
def remove_own_login() -> Response:
    """Remove the organisation's own login, once the admin confirms: passwords only again."""
    organisation = current_user.organisation
    authorize(current_user, Action.MANAGE_LOGIN, organisation)
    provider = identity.provider_of(organisation)
    form = ConfirmForm()
    # Removed by another admin meanwhile: the page says so, with 409.
    if (
        request.method == "POST"
        and form.validate()
        and identity.disable(current_user, organisation)
    ):
        return done(_("The organisation's own login is removed."), url_for("admin.own_login"))
    status = 200 if request.method != "POST" else 409 if provider is None else 422
    return render("admin/remove_own_login.html", "confirm", status, form=form, provider=provider)
