"""Follow-up rounds: open one, report in it, attach evidence, close it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..forms import CloseRoundForm, EmptyForm, EvidenceForm, ReportForm, RoundForm
from ..htmx import redirect_to, render
from ..models import Assignment, FollowUpRound, Plan
from ..policy import (
    Action,
    Locked,
    RoundEntry,
    authorize,
    get_evidence_or_404,
    get_plan_or_404,
    get_round_assignment_or_404,
    get_round_or_404,
)
from ..services import attachments, council, rounds
from ..services.errors import StaleWrite, ValidationFailed
from . import page_context
from .errors import answers_expired_page
from .forms_help import errors_onto
from .threads import post_in_thread

bp = Blueprint("rounds", __name__)


@bp.route("/plans/<int:plan_id>/rounds", methods=["GET", "POST"])
@login_required
def index(plan_id: int) -> Response:
    """The plan's follow-up rounds, and for coordinators the form to open the next. A GET
    may carry the kind and date picked so far: the title hint follows them."""
    plan = get_plan_or_404(current_user, plan_id)
    if request.method == "GET":
        return _round_list(plan, RoundForm(formdata=request.args or None))
    authorize(current_user, Action.MANAGE_ROUNDS, plan)
    form = RoundForm()
    try:
        if form.validate():
            picked = form.kind.data, form.title.data, form.due_on.data
            rnd = rounds.open_round(
                current_user, plan, *picked, ask_if_past_due=not form.confirm_past_due.data
            )
            flash(_("The round is open."), "info")
            return redirect_to(url_for("rounds.show", round_id=rnd.id))
    except ValidationFailed as refused:
        errors_onto(form, refused)
    return _round_list(plan, form, 422)


def _round_list(plan: Plan, form: RoundForm, status: int = 200) -> Response:
    return render(
        "rounds/index.html",
        "round_list",
        status,
        plan=plan,
        rounds=rounds.rounds_of(plan),
        form=form,
        suggestion=rounds.title_hint(form.kind.data, form.due_on.data),
    )


def _round_context(
    rnd: FollowUpRound,
    comment_form: Any = None,
    personal_data: Any = (),
    **extra: Any,
) -> dict[str, Any]:
    overview = rounds.view(rnd)
    mine_only = request.args.get("show") == "mine-unreported"
    lines = overview.unreported_of(current_user.organisation_id) if mine_only else overview.lines
    return {
        **page_context.round_thread_context(rnd, comment_form, personal_data),
        "view": overview,
        "areas": rounds.lines_by_area(lines),
        "mine_only": mine_only,
        "close_form": extra.pop("close_form", None) or CloseRoundForm(formdata=None),
        "meetings": council.meetings_of_round(rnd),
        **extra,
    }


@bp.get("/rounds/<int:round_id>")
@login_required
def show(round_id: int) -> Response:
    """A round: progress per organisation, who has not reported, what changed since the
    previous round, and its own thread."""
    rnd = get_round_or_404(current_user, round_id)
    return page_context.render_and_mark_read("rounds/show.html", "round_body", _round_context(rnd))


@bp.post("/rounds/<int:round_id>/close")
@login_required
def close(round_id: int) -> Response:
    """Close the round; its reports become a snapshot that no longer changes."""
    rnd = get_round_or_404(current_user, round_id)
    form, status, extra = CloseRoundForm(), 422, {}
    try:
        authorize(current_user, Action.CLOSE_ROUND, rnd)
        if form.validate():
            rounds.close_round(current_user, rnd, form.council_evaluation.data)
            flash(_("The round is closed."), "info")
            return redirect_to(url_for("rounds.show", round_id=rnd.id))
    except ValidationFailed as refused:
        errors_onto(form, refused)
    except Locked as refused:
        # Closed meanwhile by someone else: say so on the round page, in place.
        status, extra = refused.status, {"refused": refused.message}
    context = _round_context(rnd, close_form=form, **extra)
    return render("rounds/show.html", "round_body", status, **context)


@bp.post("/rounds/<int:round_id>/comments")
@login_required
def post_comment(round_id: int) -> Response:
    """Post in the round's thread, e.g. a decision taken at the meeting."""
    rnd = get_round_or_404(current_user, round_id)
    return post_in_thread(
        rnd.plan, rnd, "rounds/show.html", lambda **extra: _round_context(rnd, **extra)
    )


def _report_page(
    rnd: FollowUpRound, assignment: Assignment, status: int = 200, **extra: Any
) -> Response:
    """The report page, with the forms as given in `extra` or as the report stands."""
    entry = rounds.find_report(rnd, assignment)
    form = extra.pop("form", None) or ReportForm(
        formdata=None,
        what_was_done=entry.what_was_done if entry else "",
        version=entry.version if entry else rounds.NO_REPORT_YET,
    )
    if extra.get("conflict"):
        # Saving again overwrites the report the user has now seen, and only that one.
        form.version.data = entry.version if entry else rounds.NO_REPORT_YET
        form.version.raw_data = [str(form.version.data)]
    return render(
        "rounds/report.html",
        "report_form",
        status,
        round=rnd,
        assignment=assignment,
        report_entry=RoundEntry(rnd, assignment),
        entry=entry,
        form=form,
        evidence_form=extra.pop("evidence_form", None) or EvidenceForm(formdata=None),
        delete_form=EmptyForm(formdata=None),
        **extra,
    )


def _report_url(round_id: int, assignment_id: int) -> str:
    return url_for("rounds.report", round_id=round_id, assignment_id=assignment_id)


def _refused(
    rnd: FollowUpRound, assignment: Assignment, refused: Locked, where: str, **forms: Any
) -> Response:
    """The report page saying why nothing changed (`where`: by the report, the evidence form
    or the evidence list), what the user typed still in its form."""
    return _report_page(
        rnd, assignment, refused.status, refused=refused.message, refused_in=where, **forms
    )


@bp.route("/rounds/<int:round_id>/reports/<int:assignment_id>", methods=["GET", "POST"])
@login_required
def report(round_id: int, assignment_id: int) -> Response:
    """An assignment's report for the round: what was done, and the evidence."""
    rnd = get_round_or_404(current_user, round_id)
    assignment = get_round_assignment_or_404(current_user, rnd, assignment_id)
    if request.method == "GET":
        return _report_page(rnd, assignment)
    return _save_report(rnd, assignment)


def _save_report(rnd: FollowUpRound, assignment: Assignment) -> Response:
    """Save the report form: 422 with its messages, 409 when someone saved first or the
    round has closed, 403 when the plan has ended; what the user typed is kept."""
    form, status, extra = ReportForm(), 422, {}
    try:
        authorize(current_user, Action.REPORT, RoundEntry(rnd, assignment))
        if form.validate():
            rounds.report(current_user, rnd, assignment, form.what_was_done.data, form.version.data)
            flash(_("The report is saved."), "info")
            return redirect_to(_report_url(rnd.id, assignment.id))
    except ValidationFailed as refused:
        errors_onto(form, refused)
    except StaleWrite:
        status, extra = 409, {"conflict": True}
    except Locked as refused:
        return _refused(rnd, assignment, refused, "report", form=form)
    return _report_page(rnd, assignment, status, form=form, **extra)


@answers_expired_page("rounds.report")
def _report_form_again(message: str, round_id: int, assignment_id: int) -> Response:
    """The report form as the user left it, a fresh token in it, and why nothing was saved."""
    rnd = get_round_or_404(current_user, round_id)
    assignment = get_round_assignment_or_404(current_user, rnd, assignment_id)
    form = ReportForm()
    try:
        authorize(current_user, Action.REPORT, RoundEntry(rnd, assignment))
    except Locked as refused:
        return _refused(rnd, assignment, refused, "report", form=form)
    return _report_page(rnd, assignment, 400, form=form, refused=message, refused_in="report")


@bp.post("/rounds/<int:round_id>/reports/<int:assignment_id>/evidence")
@login_required
def add_evidence(round_id: int, assignment_id: int) -> Response:
    """Attach statistics, a report or a decision to the report, as a link or a file."""
    rnd = get_round_or_404(current_user, round_id)
    assignment = get_round_assignment_or_404(current_user, rnd, assignment_id)
    form = EvidenceForm()
    try:
        entry = rounds.report_for_evidence(current_user, rnd, assignment)
        if form.validate():
            rounds.add_evidence(current_user, entry, **_evidence_fields(form))
            flash(_("The evidence is added."), "info")
            return redirect_to(_report_url(rnd.id, assignment.id))
    except ValidationFailed as refused:
        errors_onto(form, refused)
    except Locked as refused:
        return _refused(rnd, assignment, refused, "evidence", evidence_form=form)
    return _report_page(rnd, assignment, 422, evidence_form=form)


def _evidence_fields(form: EvidenceForm) -> dict[str, Any]:
    """What the evidence form holds, as `rounds.add_evidence` takes it."""
    upload = form.file.data if form.file.data and form.file.data.filename else None
    return {
        **{name: form[name].data for name in rounds.EVIDENCE_FIELDS},
        "upload": upload.stream if upload else None,
        "filename": upload.filename if upload else None,
    }


@bp.post("/evidence/<int:evidence_id>/delete")
@login_required
def delete_evidence(evidence_id: int) -> Response:
    """Remove a piece of evidence (and its file) from a report in an open round."""
    evidence = get_evidence_or_404(current_user, evidence_id)
    entry = evidence.report
    try:
        authorize(current_user, Action.REPORT, rounds.entry_of(entry))
        if EmptyForm().validate_on_submit():
            rounds.remove_evidence(current_user, evidence)
            flash(_("The evidence is removed."), "info")
    except Locked as refused:
        return _refused(entry.round, entry.assignment, refused, "evidence-list")
    return redirect_to(_report_url(entry.round_id, entry.assignment_id))


@bp.get("/evidence/<int:evidence_id>/file")
@login_required
def download(evidence_id: int) -> Response:
    """The attached file, only to users who may see the round, never shown inline."""
    evidence = get_evidence_or_404(current_user, evidence_id)
    if not evidence.attachment_key:
        abort(404)
    return attachments.send(evidence.attachment_key, evidence.filename, evidence.content_type)


@bp.get("/rounds/<int:round_id>/meeting")
@login_required
def meeting(round_id: int) -> Response:
    """The working group's meeting: one area at a time, with the reports and what moved
    since the last round; decisions go into the round's thread."""
    rnd = get_round_or_404(current_user, round_id)
    overview = rounds.view(rnd)
    step = overview.meeting_step(request.args.get("area", default=1, type=int))
    if step is None:
        abort(404)
    return render(
        "rounds/meeting.html",
        "meeting_body",
        **page_context.round_thread_context(rnd),
        view=overview,
        area=step.area,
        lines=step.lines,
        position=step.position,
        area_count=step.area_count,
    )
