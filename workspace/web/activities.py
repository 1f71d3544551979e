"""An activity: its goal, its assignments and their history."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..htmx import render
from ..policy import get_activity_or_404
from ..services import threads
from ..services.assignments import changes_since
from ..services.live import current_marker
from . import live

bp = Blueprint("activities", __name__)


@bp.get("/activities/<int:activity_id>")
@login_required
def show(activity_id: int) -> Response:
    """The activity page: assignments, and the follow-up timeline with its comment form."""
    context = live.activity_context(activity_id)
    threads.mark_read(current_user, context["thread"], context["comments"])
    return render("activities/show.html", "activity_body", **context)


@bp.get("/activities/<int:activity_id>/updates")
@login_required
def updates(activity_id: int) -> Response:
    """Others' status changes and comments on this activity since the page's marker."""
    activity = get_activity_or_404(current_user, activity_id)
    since = live.marker_from(request.args)
    if current_marker() == since:
        return Response(status=204)
    changes = changes_since(
        since.status_change, activity_id=activity.id, exclude_user_id=current_user.id
    )
    comments = threads.comments_since(
        current_user, since.comment, plan_id=activity.area.plan_id, activity_id=activity.id
    )
    if comments:
        threads.mark_read(current_user, comments[0].thread, comments)
    page_url = url_for("activities.show", activity_id=activity.id)
    return Response(live.render_updates(page_url, changes, comments, with_poller=True))
