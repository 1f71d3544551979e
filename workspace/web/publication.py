"""The plan's public page: coordinators prepare, agree to and take down its versions; anyone,
logged in or not, reads the published one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, make_response, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import BooleanField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Optional

from ..forms import Form, _seen_version
from ..htmx import render
from ..models import INTRO_MAX_LENGTH, Plan
from ..policy import Action, authorize, get_plan_or_404, get_public_page_or_404
from ..services import publication
from .forms_help import Outcome, accepted, done

bp = Blueprint("publication", __name__)

PAGE = "publication/show.html"


class PrepareForm(Form):
    intro = TextAreaField(_l("Introduction"), validators=[Optional()], render_kw={"rows": 6})
    confirm_no_personal_data = BooleanField(
        _l("I have checked: the text names no individual and holds no personal data")
    )
    newest = _seen_version()


class NumberForm(Form):
    number = IntegerField(
        validators=[InputRequired(_l("The page is out of date. Reload it and try again."))]
    )


def _context(plan: Plan, **extra: Any) -> dict[str, Any]:
    versions = publication.versions_of(plan)
    pending = publication.pending_version(plan)
    # The newest version's introduction to start from: changing it is preparing anew.
    form = extra.pop("form", None) or PrepareForm(
        formdata=None,
        intro=versions[0].content["intro"] if versions else "",
        newest=versions[0].number if versions else 0,
    )
    return {
        "plan": plan,
        "newest": versions[0] if versions else None,
        "public": publication.public_version(plan),
        "pending": pending,
        "lines": publication.agreement_lines(pending) if pending else [],
        "preview": pending.content if pending else publication.snapshot(plan),
        "form": form,
        "number_form": NumberForm(formdata=None),
        "intro_max": INTRO_MAX_LENGTH,
        "status_label": publication.status_label,
        **extra,
    }


def _show(plan: Plan, anchor: str) -> str:
    return f"{url_for('publication.show', plan_id=plan.id)}#{anchor}"


@bp.get("/plans/<int:plan_id>/publication")
@login_required
def show(plan_id: int) -> Response:
    """The public page as it stands, the version waiting for agreements, and its preview."""
    plan = get_plan_or_404(current_user, plan_id)
    return render(PAGE, "content", **_context(plan))


@bp.post("/plans/<int:plan_id>/publication/versions")
@login_required
def prepare(plan_id: int) -> Response:
    """Freeze what the page would show now, with the introduction, as the next version."""
    plan = get_plan_or_404(current_user, plan_id)
    authorize(current_user, Action.PREPARE_PUBLICATION, plan)
    form = PrepareForm()
    numbers: list[str] = []
    try:
        outcome = accepted(
            form,
            lambda: publication.prepare(
                current_user,
                plan,
                form.intro.data,
                form.newest.data,
                confirmed_no_personal_data=form.confirm_no_personal_data.data,
            ),
        )
    except publication.PersonalDataSuspected as suspected:
        outcome, numbers = Outcome(422), suspected.numbers
    if outcome.saved:
        message = _(
            "Version %(number)d is prepared. It is public once every organisation agrees.",
            number=outcome.result.number,
        )
        return done(message, _show(plan, "pending"))
    conflict = outcome.status == 409
    if conflict:
        # What the user wrote stays; saving again prepares on top of the newer version.
        versions = publication.versions_of(plan)
        form.newest.data = versions[0].number if versions else 0
        form.newest.raw_data = [str(form.newest.data)]
    context = _context(plan, form=form, personal_data=numbers, conflict=conflict)
    return render(PAGE, "prepare_form", outcome.status, **context)


def _decide(plan_id: int, action: Action, decide: Any, message: str, stale: str) -> Response:
    plan = get_plan_or_404(current_user, plan_id)
    authorize(current_user, action, plan)
    form = NumberForm()
    outcome = accepted(form, lambda: decide(current_user, plan, form.number.data))
    if outcome.saved:
        return done(message, _show(plan, "public"))
    refused = (
        stale
        if outcome.status == 409
        else "; ".join(str(e) for errors in form.errors.values() for e in errors)
    )
    return render(PAGE, "content", outcome.status, **_context(plan, refused=refused))


@bp.post("/plans/<int:plan_id>/publication/agree")
@login_required
def agree(plan_id: int) -> Response:
    """The coordinator's organisation agrees that the version it read may be public."""
    return _decide(
        plan_id,
        Action.AGREE_PUBLICATION,
        publication.agree,
        _("Your organisation agrees to publish it."),
        _("That version is no longer the one waiting for agreement. Read the page again."),
    )


@bp.post("/plans/<int:plan_id>/publication/withdraw")
@login_required
def withdraw(plan_id: int) -> Response:
    """Take the public page down at once."""
    return _decide(
        plan_id,
        Action.WITHDRAW_PUBLICATION,
        publication.withdraw,
        _("The public page is taken down."),
        _("The version you saw is no longer public. Read the page again."),
    )


@bp.get("/offentlig/<int:plan_id>")
def public_page(plan_id: int) -> Response:
    """The published version, for anyone: no login, in Swedish, nothing of the workspace."""
    version = get_public_page_or_404(plan_id)
    # Citizens read the plan in the language it is written in, whatever their browser asks.
    with force_locale("sv"):
        body = render_template(
            "publication/public.html",
            page=version.content,
            published_at=version.published_at,
            status_label=publication.status_label,
        )
    return make_response(body)
