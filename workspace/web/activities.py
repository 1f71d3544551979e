"""An activity: its goal, its assignments and their history."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Blueprint, request, url_for
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
from ..models import Indicator, User
from ..policy import (
    Action,
    authorize,
    get_activity_or_404,
    get_indicator_or_404,
    get_measurement_or_404,
)
from ..services import indicators, threads, watching
from ..services.assignments import changes_since
from ..services.live import current_marker
from . import live_updates, page_context
from .forms_help import Outcome, accepted, done, values, versioned

bp = Blueprint("activities", __name__)

INDICATOR_FIELDS = ("title", "unit", "target", "period", "aggregation")
MEASUREMENT_FIELDS = ("value", "measured_on", "source")


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
    if current_marker(current_user, activity_id=activity.id) == since:
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


@bp.post("/activities/<int:activity_id>/watch")
@login_required
def set_watching(activity_id: int) -> Response:
    """Follow the activity ("Bevaka") or stop following it; htmx swaps the toggle in place."""
    activity = get_activity_or_404(current_user, activity_id)
    watch = watching.set_watching(current_user, activity, request.form.get("watch") == "on")
    if not is_fragment_request():
        return redirect_to(url_for("activities.show", activity_id=activity.id))
    return render("activities/show.html", "watch", activity=activity, watch=watch)


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
    outcome = accepted(
        form,
        lambda: indicators.add_indicator(current_user, activity, **values(form, *INDICATOR_FIELDS)),
    )
    if outcome.saved:
        return done(_("The target is added."), _card_url(outcome.result))
    return _form_failed(activity.id, indicator_form=form)


@bp.post("/indicators/<int:indicator_id>/measurements")
@login_required
def log_measurement(indicator_id: int) -> Response:
    """A responsible organisation logs a value against the target."""
    indicator = get_indicator_or_404(current_user, indicator_id)
    authorize(current_user, Action.MEASURE, indicator)
    form = MeasurementForm()
    outcome = accepted(
        form,
        lambda: indicators.log_measurement(
            current_user, indicator, **values(form, *MEASUREMENT_FIELDS)
        ),
    )
    if outcome.saved:
        return done(_("The value is logged."), _card_url(indicator))
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


def _as_typed(number: Decimal) -> str:
    """A stored number as a Swedish user types it: no trailing zeros, a decimal comma."""
    return f"{number.normalize():f}".replace(".", ",")


def _card_url(indicator: Indicator) -> str:
    return url_for("activities.show", activity_id=indicator.activity_id) + (
        f"#indicator-{indicator.id}"
    )


def _saved_or_again(outcome: Outcome, indicator: Indicator, message: str, **form: Any) -> Response:
    """The fresh card in place for htmx, back to the activity page otherwise; or the card
    with the form again: 422 with its messages, 409 when someone else saved first."""
    if not outcome.saved:
        conflict = {"conflict": True} if outcome.status == 409 else {}
        return _card(indicator, outcome.status, **form, **conflict)
    if is_fragment_request():
        return _card(indicator)
    return done(message, _card_url(indicator))


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
        target=_as_typed(indicator.target),
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
    outcome = accepted(
        form,
        lambda: indicators.edit_indicator(
            current_user, indicator, **versioned(form, *INDICATOR_FIELDS)
        ),
    )
    return _saved_or_again(outcome, indicator, _("The target is saved."), indicator_edit_form=form)


@bp.post("/indicators/<int:indicator_id>/archive")
@login_required
def archive_indicator(indicator_id: int) -> Response:
    """A coordinator takes the indicator out of use; its values are kept."""
    message = _("The target is archived. Its values are kept.")
    return _put_in_use(indicator_id, indicators.archive_indicator, message)


@bp.post("/indicators/<int:indicator_id>/restore")
@login_required
def restore_indicator(indicator_id: int) -> Response:
    """A coordinator brings an archived indicator back into use."""
    return _put_in_use(indicator_id, indicators.restore_indicator, _("The target is back in use."))


def _put_in_use(
    indicator_id: int, change: Callable[[User, Indicator], None], message: str
) -> Response:
    indicator = get_indicator_or_404(current_user, indicator_id)
    change(current_user, indicator)
    return done(message, _card_url(indicator))


@bp.get("/measurements/<int:measurement_id>/edit")
@login_required
def edit_measurement(measurement_id: int) -> Response:
    """A logged value in its card, open for correction."""
    measurement = get_measurement_or_404(current_user, measurement_id)
    authorize(current_user, Action.CORRECT_MEASUREMENT, measurement)
    form = MeasurementCorrectionForm(
        formdata=None,
        value=_as_typed(measurement.value),
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
    form = MeasurementCorrectionForm()
    outcome = accepted(
        form,
        lambda: indicators.correct_measurement(
            current_user, measurement, **versioned(form, *MEASUREMENT_FIELDS)
        ),
    )
    message = _("The value is corrected.")
    return _saved_or_again(
        outcome, measurement.indicator, message, editing=measurement, correction_form=form
    )


@bp.post("/measurements/<int:measurement_id>/remove")
@login_required
def remove_measurement(measurement_id: int) -> Response:
    """Remove a wrong value from the charts, tables and exports (the audit log keeps it);
    409 with the value as it is now when someone corrected it first."""
    measurement = get_measurement_or_404(current_user, measurement_id)
    authorize(current_user, Action.CORRECT_MEASUREMENT, measurement)
    form = RemoveMeasurementForm()
    outcome = accepted(
        form,
        lambda: indicators.remove_measurement(
            current_user, measurement, expected_version=form.version.data
        ),
    )
    return _saved_or_again(
        outcome, measurement.indicator, _("The value is removed."), removing=measurement
    )
