"""An activity: its goal, its assignments and their history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..forms import (
    IndicatorEditForm,
    IndicatorForm,
    MeasurementCorrectionForm,
    MeasurementForm,
    RemoveMeasurementForm,
)
from ..htmx import is_fragment_request, nothing_new, redirect_to, render
from ..models import Indicator
from ..policy import (
    Action,
    authorize,
    get_activity_or_404,
    get_indicator_or_404,
    get_measurement_or_404,
)
from ..services import indicators, threads
from ..services.assignments import changes_since
from ..services.errors import StaleWrite, ValidationFailed
from ..services.live import current_marker
from . import live_updates, page_context
from .forms_help import errors_onto

bp = Blueprint("activities", __name__)


@bp.get("/activities/<int:activity_id>")
@login_required
def show(activity_id: int) -> Response:
    """The activity page: assignments, and the follow-up timeline with its comment form."""
    context = page_context.activity_context(activity_id)
    return page_context.render_and_mark_read("activities/show.html", "activity_body", context)


@bp.get("/activities/<int:activity_id>/updates")
@live_updates.answers_idle_poll
def updates(activity_id: int) -> Response:
    """Others' status changes and comments on this activity since the page's marker."""
    activity = get_activity_or_404(current_user, activity_id)
    since = live_updates.marker_from(request.args)
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
    return Response(live_updates.render_updates(page_url, changes, comments, with_poller=True))


def _form_failed(activity_id: int, **forms: Any) -> Response:
    context = page_context.activity_context(activity_id, **forms)
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


# --- One indicator in place: its card is the swap unit of every edit below ------------------


def _card(indicator: Indicator, status: int = 200, **extra: Any) -> Response:
    """The indicator's card for htmx, a page of its own without JavaScript."""
    return render(
        "activities/indicator.html",
        "indicator_card",
        status,
        indicator=indicator,
        points=indicators.progress(indicator),
        measurement_forms={indicator.id: MeasurementForm(formdata=None)},
        **extra,
    )


def _card_url(indicator: Indicator) -> str:
    return url_for("activities.show", activity_id=indicator.activity_id) + (
        f"#indicator-{indicator.id}"
    )


def _saved(indicator: Indicator, message: str) -> Response:
    """The fresh card in place for htmx; back to the activity page otherwise."""
    if is_fragment_request():
        return _card(indicator)
    flash(message, "info")
    return redirect_to(_card_url(indicator))


@bp.get("/indicators/<int:indicator_id>")
@login_required
def show_indicator(indicator_id: int) -> Response:
    """One indicator's card: what Cancel puts back."""
    return _card(get_indicator_or_404(current_user, indicator_id))


@bp.get("/indicators/<int:indicator_id>/edit")
@login_required
def edit_indicator(indicator_id: int) -> Response:
    """The indicator's own fields, for a coordinator to change."""
    indicator = get_indicator_or_404(current_user, indicator_id)
    authorize(current_user, Action.MANAGE_INDICATORS, indicator.activity)
    form = IndicatorEditForm(
        formdata=None,
        title=indicator.title,
        unit=indicator.unit,
        target=f"{indicator.target.normalize():f}".replace(".", ","),
        period=indicator.period.value,
        aggregation=indicator.aggregation.value,
        version=indicator.version,
    )
    return _card(indicator, indicator_edit_form=form)


@bp.post("/indicators/<int:indicator_id>")
@login_required
def update_indicator(indicator_id: int) -> Response:
    """Save an indicator's fields: 422 with the messages, 409 when someone saved first."""
    indicator = get_indicator_or_404(current_user, indicator_id)
    authorize(current_user, Action.MANAGE_INDICATORS, indicator.activity)
    form = IndicatorEditForm()
    if not form.validate():
        return _card(indicator, 422, indicator_edit_form=form)
    try:
        indicators.edit_indicator(
            current_user,
            indicator,
            title=form.title.data,
            unit=form.unit.data,
            target=form.target.data,
            period=form.period.data,
            aggregation=form.aggregation.data,
            expected_version=form.version.data,
        )
    except ValidationFailed as refused:
        errors_onto(form, refused)
        return _card(indicator, 422, indicator_edit_form=form)
    except StaleWrite:
        return _card(indicator, 409, indicator_edit_form=form, conflict=True)
    return _saved(indicator, _("The target is saved."))


@bp.post("/indicators/<int:indicator_id>/archive")
@login_required
def archive_indicator(indicator_id: int) -> Response:
    """A coordinator takes the indicator out of use; its values are kept."""
    indicator = get_indicator_or_404(current_user, indicator_id)
    indicators.archive_indicator(current_user, indicator)
    flash(_("The target is archived. Its values are kept."), "info")
    return redirect_to(_card_url(indicator))


@bp.post("/indicators/<int:indicator_id>/restore")
@login_required
def restore_indicator(indicator_id: int) -> Response:
    """A coordinator brings an archived indicator back into use."""
    indicator = get_indicator_or_404(current_user, indicator_id)
    indicators.restore_indicator(current_user, indicator)
    flash(_("The target is back in use."), "info")
    return redirect_to(_card_url(indicator))


@bp.get("/measurements/<int:measurement_id>/edit")
@login_required
def edit_measurement(measurement_id: int) -> Response:
    """A logged value in its card, open for correction."""
    measurement = get_measurement_or_404(current_user, measurement_id)
    authorize(current_user, Action.CORRECT_MEASUREMENT, measurement)
    form = MeasurementCorrectionForm(
        formdata=None,
        value=f"{measurement.value.normalize():f}".replace(".", ","),
        measured_on=measurement.measured_on,
        source=measurement.source,
        version=measurement.version,
    )
    return _card(measurement.indicator, editing=measurement, correction_form=form)


@bp.post("/measurements/<int:measurement_id>")
@login_required
def update_measurement(measurement_id: int) -> Response:
    """Save a corrected value: 422 with the messages, 409 with both values when someone
    else corrected it first."""
    measurement = get_measurement_or_404(current_user, measurement_id)
    authorize(current_user, Action.CORRECT_MEASUREMENT, measurement)
    indicator = measurement.indicator
    form = MeasurementCorrectionForm()
    context = {"editing": measurement, "correction_form": form}
    if not form.validate():
        return _card(indicator, 422, **context)
    try:
        indicators.correct_measurement(
            current_user,
            measurement,
            value=form.value.data,
            measured_on=form.measured_on.data,
            source=form.source.data,
            expected_version=form.version.data,
        )
    except ValidationFailed as refused:
        errors_onto(form, refused)
        return _card(indicator, 422, **context)
    except StaleWrite:
        return _card(indicator, 409, conflict=True, **context)
    return _saved(indicator, _("The value is corrected."))


@bp.post("/measurements/<int:measurement_id>/remove")
@login_required
def remove_measurement(measurement_id: int) -> Response:
    """Remove a wrong value from the charts, tables and exports (the audit log keeps it);
    409 with the value as it is now when someone corrected it first."""
    measurement = get_measurement_or_404(current_user, measurement_id)
    authorize(current_user, Action.CORRECT_MEASUREMENT, measurement)
    indicator = measurement.indicator
    form = RemoveMeasurementForm()
    if not form.validate():
        return _card(indicator, 422, removing=measurement)
    try:
        indicators.remove_measurement(current_user, measurement, expected_version=form.version.data)
    except StaleWrite:
        return _card(indicator, 409, removing=measurement, conflict=True)
    return _saved(indicator, _("The value is removed."))
