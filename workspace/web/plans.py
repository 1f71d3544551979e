"""The start page, the list of plans and a plan's overview."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..extensions import db
from ..htmx import nothing_new, render
from ..policy import get_plan_or_404, visible_plans
from ..services import dashboard as dashboards
from ..services import threads
from ..services.assignments import changes_since
from ..services.live import current_marker
from . import live_updates, page_context

bp = Blueprint("plans", __name__)


@bp.get("/")
@login_required
def start() -> Response:
    """Open the organisation's current plan, or list its plans when there is none or several."""
    current = db.session.execute(visible_plans(current_user).limit(2)).scalars().all()
    if len(current) == 1:
        return redirect(url_for("plans.show", plan_id=current[0].id))
    return redirect(url_for("plans.index"))


@bp.get("/plans")
@login_required
def index() -> Response:
    """Every plan the user's organisation takes part in."""
    visible = db.session.execute(visible_plans(current_user)).scalars().all()
    return render("plans/index.html", "plan_list", plans=visible)


@bp.get("/plans/<int:plan_id>")
@login_required
def show(plan_id: int) -> Response:
    """The plan overview: areas, activities, responsible functions and statuses, filterable."""
    context = page_context.overview_context(plan_id, request.args)
    return render("plans/overview.html", "plan_body", 200 if context["valid"] else 400, **context)


@bp.get("/plans/<int:plan_id>/updates")
@live_updates.answers_idle_poll
def updates(plan_id: int) -> Response:
    """Others' status changes and comments since the page's marker: 204 when there are none."""
    plan = get_plan_or_404(current_user, plan_id)
    since = live_updates.marker_from(request.args)
    if current_marker(current_user, plan_id=plan.id) == since:
        return nothing_new()
    changes = changes_since(since.status_change, plan_id=plan.id, exclude_user_id=current_user.id)
    comments = threads.comments_since(current_user, since.comment, plan_id=plan.id)
    query = {k: v for k, v in request.args.items() if k in page_context.FILTER_KEYS}
    page_url = url_for("plans.show", plan_id=plan.id, **query)
    return Response(live_updates.render_updates(page_url, changes, comments, with_poller=True))


@bp.get("/plans/<int:plan_id>/dashboard")
@login_required
def dashboard(plan_id: int) -> Response:
    """Status per area, per organisation and across rounds, as charts and tables."""
    plan = get_plan_or_404(current_user, plan_id)
    return render(
        "plans/dashboard.html", "dashboard_body", plan=plan, dashboard=dashboards.build(plan)
    )
