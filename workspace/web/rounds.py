"""Follow-up rounds: open one, report in it, attach evidence, close it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..extensions import db
from ..forms import CloseRoundForm, EmptyForm, EvidenceForm, ReportForm, RoundForm
from ..htmx import redirect_to, render
from ..models import FollowUpRound, RoundKind
from ..policy import (
    Action,
    Denied,
    authorize,
    can,
    get_evidence_or_404,
    get_plan_or_404,
    get_round_assignment_or_404,
    get_round_or_404,
    plan_open,
)
from ..services import attachments, rounds
from ..services.errors import StaleWrite, ValidationFailed
from . import page_context
from .errors import answers_expired_page
from .forms_help import errors_onto
from .threads import post_in_thread

bp = Blueprint("rounds", __name__)


def _closed_message() -> str:
    return _("The round is closed; its reports can no longer change.")


def _refuse_closed_report(
    rnd: FollowUpRound, assignment_id: int, refused_in: str, **forms: Any
) -> Response:
    """409 on the report page, what the user typed still in its form (`refused_in`: the
    report, the evidence form or the evidence list), and why."""
    context = _report_context(
        rnd, assignment_id, refused=_closed_message(), refused_in=refused_in, **forms
    )
    return render("rounds/report.html", "report_form", 409, **context)


def _refuse_report_in_closed_plan(
    rnd: FollowUpRound, assignment: Any, refused_in: str, **forms: Any
) -> Response | None:
    """None when the user may report. When the plan was ended (replaced, not reopened),
    403 on the report page with what the user typed and why; other refusals as usual."""
    try:
        authorize(current_user, Action.REPORT, assignment)
    except Denied as denied:
        if plan_open(rnd.plan):
            raise
        db.session.rollback()
        context = _report_context(
            rnd, assignment.id, refused=denied.message, refused_in=refused_in, **forms
        )
        return render("rounds/report.html", "report_form", 403, **context)
    return None


@bp.route("/plans/<int:plan_id>/rounds", methods=["GET", "POST"])
@login_required
def index(plan_id: int) -> Response:
    """The plan's follow-up rounds, and for coordinators the form to open the next."""
    plan = get_plan_or_404(current_user, plan_id)
    # A GET may carry the kind and date picked so far: the title hint follows them.
    form = RoundForm() if request.method == "POST" else RoundForm(formdata=request.args or None)
    status = 200
    if request.method == "POST":
        authorize(current_user, Action.MANAGE_ROUNDS, plan)
        if form.validate():
            try:
                rnd = rounds.open_round(
                    current_user,
                    plan,
                    form.kind.data,
                    form.title.data,
                    form.due_on.data,
                    ask_if_past_due=not form.confirm_past_due.data,
                )
            except ValidationFailed as refused:
                errors_onto(form, refused)
            else:
                flash(_("The round is open."), "info")
                return redirect_to(url_for("rounds.show", round_id=rnd.id))
        status = 422
    kind = form.kind.data if form.kind.data in set(RoundKind) else RoundKind.WORKING_GROUP
    return render(
        "rounds/index.html",
        "round_list",
        status,
        plan=plan,
        rounds=rounds.rounds_of(plan),
        form=form,
        suggestion=rounds.suggested_title(
            RoundKind(kind), form.due_on.data or rounds.local_today()
        ),
    )


def _round_context(
    rnd: FollowUpRound,
    comment_form: Any = None,
    personal_data: Any = (),
    **extra: Any,
) -> dict[str, Any]:
    context = page_context.round_thread_context(rnd, comment_form, personal_data)
    overview = rounds.view(rnd)
    mine_only = request.args.get("show") == "mine-unreported"
    lines = [
        line
        for line in overview.lines
        if not mine_only
        or (
            line.assignment.organisation.id == current_user.organisation_id
            and not (line.report and line.report.is_reported)
        )
    ]
    return {
        **context,
        "view": overview,
        "areas": rounds.lines_by_area(lines),
        "mine_only": mine_only,
        "close_form": extra.pop("close_form", None) or CloseRoundForm(formdata=None),
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
    authorize(current_user, Action.MANAGE_ROUNDS, rnd.plan)
    form = CloseRoundForm()
    status, extra = 422, {}
    if not rnd.is_open:
        # Closed meanwhile by someone else: say so on the round page, in place.
        status, extra = 409, {"refused": _closed_message()}
    elif form.validate():
        try:
            rounds.close_round(current_user, rnd, form.council_evaluation.data)
        except ValidationFailed as refused:
            errors_onto(form, refused)
        except rounds.RoundClosed:
            db.session.rollback()
            status, extra = 409, {"refused": _closed_message()}
        else:
            flash(_("The round is closed."), "info")
            return redirect_to(url_for("rounds.show", round_id=rnd.id))
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


def _report_context(rnd: FollowUpRound, assignment_id: int, **extra: Any) -> dict[str, Any]:
    assignment = get_round_assignment_or_404(current_user, rnd, assignment_id)
    entry = rounds.find_report(rnd, assignment)
    form = extra.pop("form", None) or ReportForm(
        formdata=None,
        what_was_done=entry.what_was_done if entry else "",
        version=entry.version if entry else rounds.NO_REPORT_YET,
    )
    return {
        "round": rnd,
        "assignment": assignment,
        "entry": entry,
        "form": form,
        "evidence_form": extra.pop("evidence_form", None) or EvidenceForm(formdata=None),
        "delete_form": EmptyForm(formdata=None),
        "may_report": rnd.is_open and can(current_user, Action.REPORT, assignment),
        **extra,
    }


@bp.route("/rounds/<int:round_id>/reports/<int:assignment_id>", methods=["GET", "POST"])
@login_required
def report(round_id: int, assignment_id: int) -> Response:
    """An assignment's report for the round: what was done, and the evidence."""
    rnd = get_round_or_404(current_user, round_id)
    context = _report_context(rnd, assignment_id)
    if request.method == "GET":
        return render("rounds/report.html", "report_form", **context)
    assignment = context["assignment"]
    form = ReportForm()
    if refused := _refuse_report_in_closed_plan(rnd, assignment, "report", form=form):
        return refused
    if not rnd.is_open:
        return _refuse_closed_report(rnd, assignment_id, "report", form=form)
    status, extra = 422, {}
    if form.validate():
        try:
            rounds.report(current_user, rnd, assignment, form.what_was_done.data, form.version.data)
        except ValidationFailed as refused:
            errors_onto(form, refused)
        except rounds.RoundClosed:
            db.session.rollback()
            return _refuse_closed_report(rnd, assignment_id, "report", form=form)
        except Denied:
            # The plan was ended between the check above and the save.
            db.session.rollback()
            db.session.refresh(rnd.plan)
            if refused := _refuse_report_in_closed_plan(rnd, assignment, "report", form=form):
                return refused
            raise
        except StaleWrite:
            db.session.rollback()
            status, extra = 409, {"conflict": True}
        else:
            flash(_("The report is saved."), "info")
            return redirect_to(
                url_for("rounds.report", round_id=rnd.id, assignment_id=assignment.id)
            )
    context = _report_context(rnd, assignment_id, form=form, **extra)
    if extra:
        # Saving again overwrites the report the user has now seen, and only that one.
        entry = context["entry"]
        form.version.data = entry.version if entry else rounds.NO_REPORT_YET
        form.version.raw_data = [str(form.version.data)]
    return render("rounds/report.html", "report_form", status, **context)


@answers_expired_page("rounds.report")
def _report_form_again(message: str, round_id: int, assignment_id: int) -> Response:
    """The report form as the user left it, a fresh token in it, and why nothing was saved."""
    rnd = get_round_or_404(current_user, round_id)
    context = _report_context(
        rnd, assignment_id, form=ReportForm(), refused=message, refused_in="report"
    )
    authorize(current_user, Action.REPORT, context["assignment"])
    return render("rounds/report.html", "report_form", 400, **context)


@bp.post("/rounds/<int:round_id>/reports/<int:assignment_id>/evidence")
@login_required
def add_evidence(round_id: int, assignment_id: int) -> Response:
    """Attach statistics, a report or a decision to the report, as a link or a file."""
    rnd = get_round_or_404(current_user, round_id)
    assignment = get_round_assignment_or_404(current_user, rnd, assignment_id)
    form = EvidenceForm()
    if refused := _refuse_report_in_closed_plan(rnd, assignment, "evidence", evidence_form=form):
        return refused
    if not rnd.is_open:
        return _refuse_closed_report(rnd, assignment_id, "evidence", evidence_form=form)
    entry = rounds.find_report(rnd, assignment)
    if entry is None:
        form.title.errors = [_("Save the report first, then add its evidence.")]
    elif form.validate():
        upload = form.file.data if form.file.data and form.file.data.filename else None
        try:
            rounds.add_evidence(
                current_user,
                entry,
                kind=form.kind.data,
                title=form.title.data,
                url=form.url.data,
                source=form.source.data,
                dated_on=form.dated_on.data,
                registry_number=form.registry_number.data,
                upload=upload.stream if upload else None,
                filename=upload.filename if upload else None,
            )
        except ValidationFailed as refused:
            errors_onto(form, refused)
        except rounds.RoundClosed:
            db.session.rollback()
            return _refuse_closed_report(rnd, assignment_id, "evidence", evidence_form=form)
        else:
            flash(_("The evidence is added."), "info")
            return redirect_to(
                url_for("rounds.report", round_id=rnd.id, assignment_id=assignment.id)
            )
    context = _report_context(rnd, assignment_id, evidence_form=form)
    return render("rounds/report.html", "report_form", 422, **context)


@bp.post("/evidence/<int:evidence_id>/delete")
@login_required
def delete_evidence(evidence_id: int) -> Response:
    """Remove a piece of evidence (and its file) from a report in an open round."""
    evidence = get_evidence_or_404(current_user, evidence_id)
    entry = evidence.report
    authorize(current_user, Action.REPORT, entry.assignment)
    if not entry.round.is_open:
        return _refuse_closed_report(entry.round, entry.assignment_id, "evidence-list")
    if EmptyForm().validate_on_submit():
        try:
            rounds.remove_evidence(current_user, evidence)
        except rounds.RoundClosed:
            db.session.rollback()
            return _refuse_closed_report(entry.round, entry.assignment_id, "evidence-list")
        flash(_("The evidence is removed."), "info")
    return redirect_to(
        url_for("rounds.report", round_id=entry.round_id, assignment_id=entry.assignment_id)
    )


@bp.get("/evidence/<int:evidence_id>/file")
@login_required
def download(evidence_id: int) -> Response:
    """The attached file, only to users who may see the round, never shown inline."""
    evidence = get_evidence_or_404(current_user, evidence_id)
    if not evidence.attachment_key:
        abort(404)
    response = send_file(
        attachments.path_of(evidence.attachment_key),
        mimetype=evidence.content_type,
        as_attachment=True,
        download_name=evidence.filename,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/rounds/<int:round_id>/meeting")
@login_required
def meeting(round_id: int) -> Response:
    """The working group's meeting: one area at a time, with the reports and what moved
    since the last round; decisions go into the round's thread."""
    rnd = get_round_or_404(current_user, round_id)
    overview = rounds.view(rnd)
    by_area = rounds.lines_by_area(overview.lines)
    areas = sorted(by_area, key=lambda area: area.position)
    position = request.args.get("area", default=1, type=int)
    if not 1 <= position <= len(areas):
        abort(404)
    area = areas[position - 1]
    return render(
        "rounds/meeting.html",
        "meeting_body",
        **page_context.round_thread_context(rnd),
        view=overview,
        area=area,
        lines=by_area[area],
        position=position,
        area_count=len(areas),
    )
