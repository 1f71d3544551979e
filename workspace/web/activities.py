"""An activity: its goal, its assignments and their history."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..extensions import db
from ..htmx import render
from ..models import StatusChange
from ..policy import get_activity_or_404

bp = Blueprint("activities", __name__)


@bp.get("/activities/<int:activity_id>")
@login_required
def show(activity_id: int) -> Response:
    """The activity page with every assignment and the status history, newest first."""
    activity = get_activity_or_404(current_user, activity_id)
    history = db.session.execute(
        select(StatusChange)
        .where(StatusChange.assignment_id.in_([a.id for a in activity.assignments]))
        .order_by(StatusChange.created_at.desc(), StatusChange.id.desc())
    ).scalars()
    return render("activities/show.html", "activity_body", activity=activity, history=list(history))
