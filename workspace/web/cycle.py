"""The plan's year as a cycle (Årshjulet): each step of each year, done and due."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..htmx import render
from ..policy import get_plan_or_404
from ..services import cycle

bp = Blueprint("cycle", __name__)


@bp.get("/plans/<int:plan_id>/cycle")
@login_required
def show(plan_id: int) -> Response:
    """Year by year: facts, lägesbild, plan, rounds and evaluation, with what is due."""
    plan = get_plan_or_404(current_user, plan_id)
    return render("cycle/show.html", "content", plan=plan, years=cycle.timeline(current_user, plan))
