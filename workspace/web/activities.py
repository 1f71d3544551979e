"""An activity: its goal, its assignments and their history."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..htmx import render
from ..policy import get_activity_or_404
from ..services.assignments import changes_since, latest_change_id
from . import live

bp = Blueprint("activities", __name__)


@bp.get("/activities/<int:activity_id>")
@login_required
def show(activity_id: int) -> Response:
    """The activity page with every assignment and the status history, newest first."""
    return render("activities/show.html", "activity_body", **live.activity_context(activity_id))


@bp.get("/activities/<int:activity_id>/updates")
@login_required
def updates(activity_id: int) -> Response:
    """Others' status changes on this activity since the page's marker: 204 when none."""
    activity = get_activity_or_404(current_user, activity_id)
    since = request.args.get("since", type=int)
    if since is None:
        abort(400)
    if latest_change_id() <= since:
        return Response(status=204)
    changes = changes_since(since, activity_id=activity.id, exclude_user_id=current_user.id)
    page_url = url_for("activities.show", activity_id=activity.id)
    return Response(live.render_updates(page_url, changes, with_poller=True))
