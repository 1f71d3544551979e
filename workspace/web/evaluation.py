"""The annual evaluation: start it with its draft, edit its sections, refresh its figures,
agree to it, fix it, print it and download it as a Word document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from werkzeug.wrappers import Response
from wtforms import BooleanField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Optional

from ..forms import Form, _seen_version
from ..htmx import is_fragment_request, render
from ..models import Evaluation, EvaluationPart
from ..policy import Action, Locked, authorize, get_evaluation_or_404, get_plan_or_404
from ..services import evaluation as evaluations
from ..services import evaluation_word
from ..services.threads import PersonalDataSuspected
from .forms_help import Outcome, accepted, done
from .reports import download

bp = Blueprint("evaluation", __name__)

PAGE = "evaluation/show.html"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class StartForm(Form):
    year = IntegerField(_l("Year"), validators=[Optional()])


class SectionForm(Form):
    body = TextAreaField(validators=[Optional()], render_kw={"rows": 14})
    confirm_no_personal_data = BooleanField(
        _l("I have checked: the text names no individual and holds no personal data")
    )
    version = _seen_version()


class ContentVersionForm(Form):
    content_version = IntegerField(validators=[InputRequired()])


def _context(evaluation: Evaluation, **extra: Any) -> dict[str, Any]:
    return {
        "evaluation": evaluation,
        "plan": evaluation.plan,
        "figures": evaluations.figures_of(evaluation),
        "lines": evaluations.agreement_lines(evaluation),
        "all_agreed": evaluations.all_agreed(evaluation),
        "EvaluationPart": EvaluationPart,
        "version_form": ContentVersionForm(formdata=None),
        **extra,
    }


def _show(evaluation: Evaluation) -> str:
    return url_for("evaluation.show", evaluation_id=evaluation.id)


@bp.route("/plans/<int:plan_id>/evaluations", methods=["GET", "POST"])
@login_required
def index(plan_id: int) -> Response:
    """The plan's annual evaluations by year, and for coordinators the form to start one."""
    plan = get_plan_or_404(current_user, plan_id)
    form = StartForm()
    outcome = accepted(form, lambda: evaluations.start(current_user, plan, form.year.data))
    if outcome.saved:
        started = _("The annual evaluation is started, its draft written.")
        return done(started, _show(outcome.result))
    if outcome.status == 409:
        form.year.errors = [_("The plan already has an annual evaluation that year.")]
    return render(
        "evaluation/index.html",
        "content",
        outcome.status,
        plan=plan,
        form=form,
        evaluations=evaluations.evaluations_of(plan),
    )


@bp.get("/evaluations/<int:evaluation_id>")
@login_required
def show(evaluation_id: int) -> Response:
    """The evaluation: its sections with the figures, who agreed to which version."""
    evaluation = get_evaluation_or_404(current_user, evaluation_id)
    return render(PAGE, "content", **_context(evaluation))


@bp.route("/evaluations/<int:evaluation_id>/sections/<int:position>", methods=["GET", "POST"])
@login_required
def edit_section(evaluation_id: int, position: int) -> Response:
    """Write one section in place; a stale save answers 409 with both texts, the user's kept."""
    evaluation = get_evaluation_or_404(current_user, evaluation_id)
    section = evaluation.section_at(position)
    if section is None:
        abort(404)
    if request.method == "GET":
        authorize(current_user, Action.WRITE_EVALUATION, evaluation)
        form = SectionForm(formdata=None, body=section.body, version=section.version)
        return render(PAGE, "section_form", **_context(evaluation, section=section, form=form))
    form = SectionForm()
    numbers: list[str] = []
    locked = None
    try:
        outcome = accepted(
            form,
            lambda: evaluations.edit_section(
                current_user,
                section,
                form.body.data,
                form.version.data,
                confirmed_no_personal_data=form.confirm_no_personal_data.data,
            ),
        )
    except PersonalDataSuspected as suspected:
        outcome, numbers = Outcome(422), suspected.numbers
    except Locked as refused:
        outcome, locked = Outcome(409), refused.message
    if outcome.saved and is_fragment_request():
        # The section in place, and the agreements, which the save may have withdrawn.
        context = _context(evaluation, section=section, oob=True)
        return Response(
            render_block(PAGE, "section", **context) + render_block(PAGE, "agreement", **context)
        )
    if outcome.saved:
        return done(_("Saved."), f"{_show(evaluation)}#section-{section.position}")
    context = _context(
        evaluation,
        section=section,
        form=form,
        section_personal_data=numbers,
        locked=locked,
        conflict=outcome.status == 409 and not locked,
    )
    if context["conflict"]:
        form.version.data = section.version
        form.version.raw_data = [str(section.version)]
    return render(PAGE, "section_form", outcome.status, **context)


def _decide(evaluation_id: int, action: Action, decide: Any, message: str) -> Response:
    evaluation = get_evaluation_or_404(current_user, evaluation_id)
    form = ContentVersionForm()
    try:
        authorize(current_user, action, evaluation)
        outcome = accepted(
            form, lambda: decide(current_user, evaluation, form.content_version.data)
        )
    except Locked as refused:
        return render(PAGE, "content", 409, **_context(evaluation, refused=refused.message))
    if outcome.saved:
        return done(message, f"{_show(evaluation)}#agreement")
    refused = (
        _("The annual evaluation changed since you read it. Read it again first.")
        if outcome.status == 409
        else "; ".join(e for errors in form.errors.values() for e in errors)
        or _("Every participating organisation must agree before it is fixed.")
    )
    return render(PAGE, "content", outcome.status, **_context(evaluation, refused=refused))


@bp.post("/evaluations/<int:evaluation_id>/agree")
@login_required
def agree(evaluation_id: int) -> Response:
    """The coordinator's organisation stands behind the evaluation as read."""
    return _decide(
        evaluation_id,
        Action.AGREE_EVALUATION,
        evaluations.agree,
        _("Your organisation stands behind it."),
    )


@bp.post("/evaluations/<int:evaluation_id>/fix")
@login_required
def fix(evaluation_id: int) -> Response:
    """Fix the agreed evaluation: a snapshot from now on."""
    return _decide(
        evaluation_id,
        Action.FIX_EVALUATION,
        evaluations.fix,
        _("The annual evaluation is fixed."),
    )


@bp.post("/evaluations/<int:evaluation_id>/figures")
@login_required
def refresh(evaluation_id: int) -> Response:
    """Take the figures anew from the data, while a draft; withdraws the agreements."""
    return _decide(
        evaluation_id,
        Action.REFRESH_EVALUATION,
        evaluations.refresh_figures,
        _("The figures are fetched anew. The agreements so far are withdrawn."),
    )


@bp.get("/evaluations/<int:evaluation_id>/print")
@login_required
def print_evaluation(evaluation_id: int) -> str:
    """The evaluation laid out for printing on A4."""
    evaluation = get_evaluation_or_404(current_user, evaluation_id)
    return render_template("evaluation/print.html", **_context(evaluation))


@bp.get("/evaluations/<int:evaluation_id>/word")
@login_required
def word(evaluation_id: int) -> Response:
    """The evaluation as a Word document, in the form leadership expects on its desk."""
    evaluation = get_evaluation_or_404(current_user, evaluation_id)
    body = evaluation_word.to_docx(evaluation)
    return download(body, DOCX, f"arsuppfoljning-{evaluation.year}", "docx")
