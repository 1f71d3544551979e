"""An activity: its goal, its assignments and their history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..forms import IndicatorForm, MeasurementForm
from ..htmx import nothing_new, redirect_to, render
from ..policy import Action, authorize, get_activity_or_404, get_indicator_or_404
from ..services import indicators, threads
from ..services.assignments import changes_since
from ..services.errors import ValidationFailed
from ..services.live import current_marker
from . import live
from .forms_help import errors_onto

bp = Blueprint("activities", __name__)


@bp.get("/activities/<int:activity_id>")
@login_required
def show(activity_id: int) -> Response:
    """The activity page: assignments, and the follow-up timeline with its comment form."""
    context = live.activity_context(activity_id)
    response = render("activities/show.html", "activity_body", **context)
    # After rendering: the commit expires every loaded object, which the page would then
    # load again one by one.
    threads.mark_read(current_user, context["thread"], context["comments"])
    return response


@bp.get("/activities/<int:activity_id>/updates")
@live.answers_idle_poll
def updates(activity_id: int) -> Response:
    """Others' status changes and comments on this activity since the page's marker."""
    activity = get_activity_or_404(current_user, activity_id)
    since = live.marker_from(request.args)
    if current_marker() == since:
        return nothing_new()
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


def _form_failed(activity_id: int, **forms: Any) -> Response:
    context = live.activity_context(activity_id, **forms)
    return render("activities/show.html", "activity_body", 422, **context)


@bp.post("/activities/<int:activity_id>/indicators")
@login_required
def add_indicator(activity_id: int) -> Response:
    """A coordinator sets a measurable target on the activity."""
    activity = get_activity_or_404(current_user, activity_id)
    authorize(current_user, Action.MANAGE_INDICATORS, activity)
    form = IndicatorForm()
    if form.validate():
        try:
            indicator = indicators.add_indicator(
                current_user,
                activity,
                title=form.title.data,
                unit=form.unit.data,
                target=form.target.data,
                period=form.period.data,
                aggregation=form.aggregation.data,
            )
        except ValidationFailed as refused:
            errors_onto(form, refused)
        else:
            flash(_("The target is added."), "info")
            return redirect_to(
                url_for("activities.show", activity_id=activity.id) + f"#indicator-{indicator.id}"
            )
    return _form_failed(activity.id, indicator_form=form)


@bp.post("/indicators/<int:indicator_id>/measurements")
@login_required
def log_measurement(indicator_id: int) -> Response:
    """A responsible organisation logs a value against the target."""
    indicator = get_indicator_or_404(current_user, indicator_id)
    authorize(current_user, Action.MEASURE, indicator)
    form = MeasurementForm()
    if form.validate():
        try:
            indicators.log_measurement(
                current_user,
                indicator,
                value=form.value.data,
                measured_on=form.measured_on.data,
                source=form.source.data,
            )
        except ValidationFailed as refused:
            errors_onto(form, refused)
        else:
            flash(_("The value is logged."), "info")
            return redirect_to(
                url_for("activities.show", activity_id=indicator.activity_id)
                + f"#indicator-{indicator.id}"
            )
    return _form_failed(indicator.activity_id, measurement_form=(indicator.id, form))
