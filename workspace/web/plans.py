"""The start page, the list of plans and a plan's overview."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..extensions import db
from ..forms import OverviewFilterForm
from ..htmx import render
from ..policy import get_plan_or_404, visible_plans
from ..services import plans

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
    plan = get_plan_or_404(current_user, plan_id)
    areas = plans.load_areas(plan)
    form = OverviewFilterForm(request.args)
    form.set_choices(areas, plans.responsible_organisations(areas))
    valid = form.validate()
    filters = form.filters() if valid else plans.OverviewFilters()
    result = plans.overview(plan, filters, areas)
    return render(
        "plans/overview.html", "plan_body", 200 if valid else 400, form=form, overview=result
    )
