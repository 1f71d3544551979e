"""The joint lägesbild: start it, write its parts, agree to it, fix it, name its problems."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from werkzeug.wrappers import Response
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from ..forms import CheckedByService, Form, _seen_version
from ..htmx import is_fragment_request, nothing_new, render
from ..models import Problem, SituationPart, SituationPicture
from ..policy import (
    Action,
    Locked,
    authorize,
    can,
    get_picture_or_404,
    get_plan_or_404,
    get_problem_or_404,
)
from ..routing import query_int
from ..services import situation, threads
from . import page_context
from .forms_help import Outcome, accepted, done
from .threads import post_in_thread

bp = Blueprint("situation", __name__)

PAGE = "situation/show.html"


class StartForm(Form):
    year = IntegerField(_l("Year"), validators=[Optional()])


class SectionForm(Form):
    body = TextAreaField(validators=[Optional()], render_kw={"rows": 10})
    confirm_no_personal_data = BooleanField(
        _l("I have checked: the text names no individual and holds no personal data")
    )
    version = _seen_version()


class ContentVersionForm(Form):
    content_version = IntegerField(validators=[InputRequired()])


class ProblemForm(Form):
    title = StringField(_l("Problem"), validators=[CheckedByService()])
    description = TextAreaField(_l("Description"), validators=[Optional()])
    confirm_no_personal_data = SectionForm.confirm_no_personal_data
    version = IntegerField(validators=[Optional()])


def _picture_context(picture: SituationPicture, **extra: Any) -> dict[str, Any]:
    return {
        **page_context.situation_thread_context(picture),
        "picture": picture,
        "plan": picture.plan,
        "lines": situation.agreement_lines(picture),
        "all_agreed": situation.all_agreed(picture),
        "parts": list(SituationPart),
        "version_form": ContentVersionForm(formdata=None),
        **extra,
    }


@bp.route("/plans/<int:plan_id>/situation", methods=["GET", "POST"])
@login_required
def index(plan_id: int) -> Response:
    """The plan's lägesbilder by year, and for coordinators the form to start one."""
    plan = get_plan_or_404(current_user, plan_id)
    form = StartForm()
    outcome = accepted(form, lambda: situation.start(current_user, plan, form.year.data))
    if outcome.saved:
        return done(_("The situation picture is started."), _show(outcome.result))
    pictures = situation.pictures_of(plan)
    return render(
        "situation/index.html", "content", outcome.status, plan=plan, form=form, pictures=pictures
    )


def _show(picture: SituationPicture) -> str:
    return url_for("situation.show", picture_id=picture.id)


@bp.get("/situation/<int:picture_id>")
@login_required
def show(picture_id: int) -> Response:
    """The lägesbild: its three parts, who agreed to which version, its problems."""
    picture = get_picture_or_404(current_user, picture_id)
    return page_context.render_and_mark_read(PAGE, "content", _picture_context(picture))


@bp.post("/situation/<int:picture_id>/comments")
@login_required
def post_comment(picture_id: int) -> Response:
    """Post in the lägesbild's thread, shared or internal to one's organisation."""
    picture = get_picture_or_404(current_user, picture_id)
    return post_in_thread(
        picture.plan, picture, PAGE, lambda **extra: _comment_context(picture, **extra)
    )


def _comment_context(picture: SituationPicture, **extra: Any) -> dict[str, Any]:
    thread = page_context.situation_thread_context(picture, **extra)
    return {**_picture_context(picture), **thread}


@bp.get("/situation/<int:picture_id>/updates")
@login_required
def updates(picture_id: int) -> Response:
    """Others' comments in the lägesbild's thread since the page's marker: 204 when none."""
    picture = get_picture_or_404(current_user, picture_id)
    since = query_int(request.args, "comments")
    context = page_context.situation_thread_context(picture)
    thread = context["thread_view"].thread
    if threads.newest_visible(current_user, thread) == since:
        return nothing_new()
    comments = threads.new_in_thread(current_user, thread, since)
    threads.mark_read(current_user, thread, comments)
    return render_block(
        "plans/discussion.html",
        "live_updates",
        new_items=threads.timeline([], comments),
        new_comments=comments,
        **context,
    )


def _ids(name: str) -> set[int]:
    return {
        int(v) for v in request.form.getlist(name) if v.isascii() and v.isdigit() and len(v) < 10
    }


def _part(raw: str) -> SituationPart:
    try:
        return SituationPart(raw)
    except ValueError:
        abort(404)


@bp.route("/situation/<int:picture_id>/sections/<part>", methods=["GET", "POST"])
@login_required
def edit_section(picture_id: int, part: str) -> Response:
    """Write one part in place; a stale save answers 409 with both texts, the user's kept."""
    picture = get_picture_or_404(current_user, picture_id)
    section = picture.section(_part(part))
    citing = {"citable": situation.citable_facts(picture.plan)}
    if request.method == "GET":
        authorize(current_user, Action.WRITE_SITUATION, picture)
        form = SectionForm(formdata=None, body=section.body, version=section.version)
        citing["chosen_facts"] = {f.id for f in section.facts}
        context = _picture_context(picture, section=section, form=form, **citing)
        return render(PAGE, "section_form", **context)
    form = SectionForm()
    citing["chosen_facts"] = _ids("facts")
    numbers: list[str] = []
    locked = None
    try:
        outcome = accepted(
            form,
            lambda: situation.edit_section(
                current_user,
                section,
                form.body.data,
                form.version.data,
                fact_ids=citing["chosen_facts"],
                confirmed_no_personal_data=form.confirm_no_personal_data.data,
            ),
        )
    except situation.PersonalDataSuspected as suspected:
        outcome, numbers = Outcome(422), suspected.numbers
    except Locked as refused:
        outcome, locked = Outcome(409), refused.message
    if outcome.saved and is_fragment_request():
        # The part in place, and the agreements, which the save may have withdrawn.
        context = _picture_context(picture, section=section, part=section.part, oob=True)
        return Response(
            render_block(PAGE, "section", **context) + render_block(PAGE, "agreement", **context)
        )
    if outcome.saved:
        return done(_("Saved."), f"{_show(picture)}#section-{section.part.value}")
    context = _picture_context(
        picture,
        section=section,
        form=form,
        section_personal_data=numbers,
        locked=locked,
        conflict=outcome.status == 409 and not locked,
        **citing,
    )
    if context["conflict"]:
        form.version.data = section.version
        form.version.raw_data = [str(section.version)]
    return render(PAGE, "section_form", outcome.status, **context)


def _decide(picture_id: int, action: Action, decide: Any, message: str) -> Response:
    picture = get_picture_or_404(current_user, picture_id)
    form = ContentVersionForm()
    try:
        authorize(current_user, action, picture)
        outcome = accepted(form, lambda: decide(current_user, picture, form.content_version.data))
    except Locked as refused:
        return render(PAGE, "content", 409, **_picture_context(picture, refused=refused.message))
    if outcome.saved:
        return done(message, f"{_show(picture)}#agreement")
    refused = (
        _("The situation picture changed since you read it. Read it again first.")
        if outcome.status == 409
        else "; ".join(e for errors in form.errors.values() for e in errors)
        or _("Every participating organisation must agree before it is fixed.")
    )
    return render(PAGE, "content", outcome.status, **_picture_context(picture, refused=refused))


@bp.post("/situation/<int:picture_id>/agree")
@login_required
def agree(picture_id: int) -> Response:
    """The coordinator's organisation stands behind the lägesbild as read."""
    return _decide(
        picture_id,
        Action.AGREE_SITUATION,
        situation.agree,
        _("Your organisation stands behind it."),
    )


@bp.post("/situation/<int:picture_id>/fix")
@login_required
def fix(picture_id: int) -> Response:
    """Fix the agreed lägesbild: a snapshot from now on."""
    return _decide(
        picture_id, Action.FIX_SITUATION, situation.fix, _("The situation picture is fixed.")
    )


def _problem_page(
    picture: SituationPicture, problem: Problem | None, form: Any, status: int, **extra: Any
) -> Response:
    return render(
        "situation/problem.html",
        "problem_form",
        status,
        picture=picture,
        plan=picture.plan,
        problem=problem,
        form=form,
        **extra,
    )


def _save_problem(picture: SituationPicture, problem: Problem | None) -> Response:
    form = ProblemForm() if request.method == "POST" else ProblemForm(formdata=None, obj=problem)
    given = situation.ProblemText(
        form.title.data, form.description.data, bool(form.confirm_no_personal_data.data)
    )
    if problem is None:
        save = lambda: situation.add_problem(current_user, picture, given)  # noqa: E731
    else:
        save = lambda: situation.edit_problem(current_user, problem, given, form.version.data)  # noqa: E731
    authorize(current_user, Action.WRITE_SITUATION, picture)
    try:
        outcome = accepted(form, save)
    except situation.PersonalDataSuspected as suspected:
        return _problem_page(picture, problem, form, 422, personal_data=suspected.numbers)
    if outcome.saved and problem is None and can(current_user, Action.LINK_PROBLEM, outcome.result):
        # Named; what addresses it is the next question.
        return done(_("Saved."), url_for("situation.link_problem", problem_id=outcome.result.id))
    if outcome.saved:
        return done(_("Saved."), f"{_show(picture)}#problem-{outcome.result.id}")
    if outcome.status == 409 and problem is not None:
        form.version.data = problem.version
        form.version.raw_data = [str(problem.version)]
    return _problem_page(picture, problem, form, outcome.status, conflict=outcome.status == 409)


@bp.route("/situation/<int:picture_id>/problems", methods=["GET", "POST"])
@login_required
def new_problem(picture_id: int) -> Response:
    """Name a problem in the lägesbild."""
    return _save_problem(get_picture_or_404(current_user, picture_id), None)


@bp.route("/problems/<int:problem_id>", methods=["GET", "POST"])
@login_required
def edit_problem(problem_id: int) -> Response:
    """Change a problem's text, while the lägesbild is not fixed."""
    problem = get_problem_or_404(current_user, problem_id)
    return _save_problem(problem.picture, problem)


class LinksForm(Form):
    links_version = _seen_version()


@bp.route("/problems/<int:problem_id>/links", methods=["GET", "POST"])
@login_required
def link_problem(problem_id: int) -> Response:
    """Choose the areas and activities that address a problem, also once the lägesbild is
    fixed; two coordinators at once: the later answers 409 with both choices."""
    problem = get_problem_or_404(current_user, problem_id)
    authorize(current_user, Action.LINK_PROBLEM, problem)
    form = LinksForm() if request.method == "POST" else LinksForm(formdata=None)
    outcome = accepted(
        form,
        lambda: situation.link_problem(
            current_user,
            problem,
            _ids("areas"),
            _ids("activities"),
            form.links_version.data,
        ),
    )
    if outcome.saved:
        return done(_("Saved."), f"{_show(problem.picture)}#problem-{problem.id}")
    submitted = form.is_submitted()
    return render(
        "situation/links.html",
        "links_form",
        outcome.status,
        picture=problem.picture,
        plan=problem.picture.plan,
        problem=problem,
        form=form,
        linkable=situation.linkable_areas(problem.picture.plan),
        chosen_areas=_ids("areas") if submitted else {a.id for a in problem.areas},
        chosen_activities=(_ids("activities") if submitted else {a.id for a in problem.activities}),
        # On a conflict the form takes the links as they are now, to save over them.
        links_version=problem.links_version
        if outcome.status == 409 or not submitted
        else request.form.get("links_version", ""),
        conflict=outcome.status == 409,
    )


@bp.get("/plans/<int:plan_id>/gaps")
@login_required
def gaps(plan_id: int) -> Response:
    """Problems without a measure, measures without a problem, activities nobody followed up."""
    plan = get_plan_or_404(current_user, plan_id)
    return render("situation/gaps.html", "content", plan=plan, gaps=situation.gaps(plan))
