"""Changing an assignment's status in place: the edit form, save, cancel."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from werkzeug.wrappers import Response

from ..extensions import db
from ..forms import StatusForm
from ..htmx import is_fragment_request, redirect_to, render
from ..models import Assignment, AssignmentStatus, StatusChange
from ..policy import Action, Denied, authorize, get_assignment_or_404
from ..services.assignments import change_status
from . import live_updates
from .auth import safe_next
from .errors import answers_expired_page
from .forms_help import accepted, done

bp = Blueprint("assignments", __name__)


def _page_url(assignment: Assignment, requested: str | None) -> str:
    """Where the user came from, if it is a page that shows statuses; else the activity."""
    fallback = url_for("activities.show", activity_id=assignment.activity_id)
    url = safe_next(requested, fallback)
    return url if live_updates.is_live_page(url) else fallback


def _form_page(assignment: Assignment, form: StatusForm, status: int = 200, **extra) -> Response:
    return render(
        "assignments/edit.html", "status_form", status, assignment=assignment, form=form, **extra
    )


@answers_expired_page("assignments.update_status")
def _status_form_again(message: str, assignment_id: int) -> Response:
    """The status editor as the user left it, a fresh token in it, and why nothing was saved."""
    assignment = get_assignment_or_404(current_user, assignment_id)
    authorize(current_user, Action.CHANGE_STATUS, assignment)
    form = StatusForm()
    form.next.data = _page_url(assignment, form.next.data)
    form.form_errors.append(message)
    return _form_page(assignment, form, 400)


@bp.get("/assignments/<int:assignment_id>/status/edit")
@login_required
def edit_status(assignment_id: int) -> Response:
    """The status form, in place for htmx and as a page of its own without JavaScript."""
    assignment = get_assignment_or_404(current_user, assignment_id)
    authorize(current_user, Action.CHANGE_STATUS, assignment)
    form = StatusForm(
        formdata=None,
        status=assignment.status.value,
        version=assignment.version,
        next=_page_url(assignment, request.args.get("next")),
    )
    return _form_page(assignment, form)


@bp.get("/assignments/<int:assignment_id>/status")
@login_required
def show_status(assignment_id: int) -> Response:
    """The status chip again, when the user cancels an edit."""
    assignment = get_assignment_or_404(current_user, assignment_id)
    page_url = _page_url(assignment, request.args.get("next"))
    if not is_fragment_request():
        return redirect_to(page_url)
    return Response(
        render_block(
            "assignments/edit.html", "status_cell", assignment=assignment, page_url=page_url
        )
    )


@bp.post("/assignments/<int:assignment_id>/status")
@login_required
def update_status(assignment_id: int) -> Response:
    """Save a status: the new chip (and what else changed on the page), 422 with the form's
    messages, or 409 with the newer status when someone else saved first."""
    assignment = get_assignment_or_404(current_user, assignment_id)
    form = StatusForm()
    form.next.data = _page_url(assignment, form.next.data)
    try:
        authorize(current_user, Action.CHANGE_STATUS, assignment)
    except Denied as refused:
        return _refused(assignment, form, refused)
    outcome = accepted(form, lambda: _change(assignment, form))
    if not outcome.saved:
        return _form_again(assignment, form, outcome.status)
    if not is_fragment_request():
        return done(_("The status is saved."), form.next.data)
    return Response(live_updates.render_updates(form.next.data, [outcome.result], saved=assignment))


def _change(assignment: Assignment, form: StatusForm) -> StatusChange:
    return change_status(
        current_user, assignment, form.status.data, form.note.data or "", form.version.data
    )


def _refused(assignment: Assignment, form: StatusForm, refused: Denied) -> Response:
    """Why not, in place and with what the user chose, rather than an error page instead."""
    tried = form.status.data if form.status.data in set(AssignmentStatus) else None
    return _form_page(
        assignment,
        form,
        403,
        refused=refused.message,
        tried_status=AssignmentStatus(tried) if tried else None,
    )


def _form_again(assignment: Assignment, form: StatusForm, status: int) -> Response:
    """The form with its messages (422), or beside the newer status someone saved (409)."""
    if status != 409:
        return _form_page(assignment, form, status)
    db.session.refresh(assignment)
    return _form_page(
        assignment, form, 409, conflict=True, tried_status=AssignmentStatus(form.status.data)
    )
