"""Indicators: measurable targets on activities and progress against them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import format_date, to_user_timezone
from flask_babel import gettext as _

from ..extensions import db
from ..models import Activity, Aggregation, Indicator, Measurement, Period, User
from ..models.types import utcnow
from ..policy import Action, authorize
from . import audit, transaction
from .errors import StaleWrite, ValidationFailed
from .personal_data import find_identity_numbers
from .text import clean

MAX_VALUE = Decimal("9999999999")


def _number(raw: object, field: str, errors: dict[str, str]) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip().replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except (InvalidOperation, ValueError):
        errors[field] = _("Write a number, for example 12 or 2,5.")
        return None
    if not value.is_finite() or abs(value) > MAX_VALUE:
        errors[field] = _("Write a number, for example 12 or 2,5.")
        return None
    return value.quantize(Decimal("0.01"))


def _today() -> date:
    """Today where the plan is followed up (a value logged at 00:30 is today's, not
    yesterday's in UTC)."""
    return to_user_timezone(utcnow()).date()


def _no_identity_number(text: str, field: str, errors: dict[str, str]) -> None:
    """Targets and sources are shared with every participant and printed in reports: they
    never name an individual, so a personal identity number in them is refused outright."""
    numbers = find_identity_numbers(text)
    if numbers:
        errors[field] = _(
            "Remove the personal identity number (%(numbers)s): targets and values are "
            "shared with every organisation and never name an individual.",
            numbers=", ".join(numbers),
        )


def _checked_indicator(
    title: str | None,
    unit: str | None,
    target: object,
    period: Period | str,
    aggregation: Aggregation | str,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title, unit = clean(title), clean(unit)
    if not title:
        errors["title"] = _("Say what is measured.")
    if not unit:
        errors["unit"] = _("Give the unit, for example visits.")
    _no_identity_number(title, "title", errors)
    _no_identity_number(unit, "unit", errors)
    value = _number(target, "target", errors)
    if value is not None and value <= 0:
        errors["target"] = _("The target must be greater than zero.")
    try:
        period, aggregation = Period(period), Aggregation(aggregation)
    except ValueError:
        errors["period"] = _("Choose a period.")
    if errors:
        raise ValidationFailed(errors)
    return {
        "title": title[:300],
        "unit": unit[:60],
        "target": value,
        "period": period,
        "aggregation": aggregation,
    }


def _apply(
    obj: Indicator | Measurement, fields: dict[str, Any], actor: User
) -> dict[str, list[str]]:
    """Write `fields` onto `obj` as changed by `actor`; what changed, as old → new text for
    the audit log (empty, and nothing written, when nothing did)."""
    changes = {
        name: [_audit_text(getattr(obj, name)), _audit_text(new)]
        for name, new in fields.items()
        if getattr(obj, name) != new
    }
    if changes:
        for name, new in fields.items():
            setattr(obj, name, new)
        obj.updated_at, obj.updated_by_id = utcnow(), actor.id
    return changes


def _audit_text(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def add_indicator(
    actor: User,
    activity: Activity,
    *,
    title: str | None,
    unit: str | None,
    target: object,
    period: Period | str,
    aggregation: Aggregation | str = Aggregation.SUM,
) -> Indicator:
    """A coordinator sets a measurable target on an activity."""
    authorize(actor, Action.MANAGE_INDICATORS, activity)
    fields = _checked_indicator(title, unit, target, period, aggregation)
    with transaction.write():
        indicator = Indicator(activity=activity, created_by_id=actor.id, **fields)
        db.session.add(indicator)
        db.session.flush()
        audit.record(actor, "indicator.added", indicator, activity_id=activity.id)
    return indicator


def edit_indicator(
    actor: User,
    indicator: Indicator,
    *,
    title: str | None,
    unit: str | None,
    target: object,
    period: Period | str,
    aggregation: Aggregation | str,
    expected_version: int,
) -> Indicator:
    """A coordinator changes what is measured, its unit, target, period or how a period's
    values count. Raises `StaleWrite` when the indicator changed since `expected_version`."""
    authorize(actor, Action.MANAGE_INDICATORS, indicator.activity)
    fields = _checked_indicator(title, unit, target, period, aggregation)
    if expected_version != indicator.version:
        raise StaleWrite()
    changes = _apply(indicator, fields, actor)
    if not changes:
        return indicator
    # The fields are set already; a failure in the block rolls them back with the rest.
    with transaction.write():
        audit.record(
            actor,
            "indicator.changed",
            indicator,
            title=indicator.title,
            changes=changes,
            activity_id=indicator.activity_id,
        )
    return indicator


def _set_archived(actor: User, indicator: Indicator, archived: bool) -> None:
    authorize(actor, Action.MANAGE_INDICATORS, indicator.activity)
    if (indicator.archived_at is not None) is archived:
        return  # someone did it already: nothing of theirs or ours is lost
    now = utcnow()
    action = "indicator.archived" if archived else "indicator.restored"
    with transaction.write():
        indicator.archived_at = now if archived else None
        indicator.updated_at, indicator.updated_by_id = now, actor.id
        audit.record(
            actor, action, indicator, title=indicator.title, activity_id=indicator.activity_id
        )


def archive_indicator(actor: User, indicator: Indicator) -> None:
    """A coordinator takes an indicator out of use: it leaves the activity's list, the
    dashboard and new reports, and keeps its values and history."""
    _set_archived(actor, indicator, True)


def restore_indicator(actor: User, indicator: Indicator) -> None:
    """A coordinator brings an archived indicator back, with the values it had."""
    _set_archived(actor, indicator, False)


def _checked_measurement(
    value: object, measured_on: date | None, source: str | None
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    number = _number(value, "value", errors)
    if number is not None and number < 0:
        errors["value"] = _("A value cannot be negative.")
    if measured_on is None:
        errors["measured_on"] = _("Give the date the value applies to.")
    elif measured_on > _today():
        errors["measured_on"] = _(
            "The date is in the future: log a value once it has been measured."
        )
    source = clean(source)
    if not source:
        errors["source"] = _("Give the source of the value.")
    _no_identity_number(source, "source", errors)
    if errors:
        raise ValidationFailed(errors)
    return {"value": number, "measured_on": measured_on, "source": source[:300]}


def log_measurement(
    actor: User,
    indicator: Indicator,
    *,
    value: object,
    measured_on: date | None,
    source: str | None,
) -> Measurement:
    """A responsible organisation logs a value, with its date and source."""
    authorize(actor, Action.MEASURE, indicator)
    fields = _checked_measurement(value, measured_on, source)
    with transaction.write():
        measurement = Measurement(
            indicator=indicator,
            organisation_id=actor.organisation_id,
            user_id=actor.id,
            **fields,
        )
        db.session.add(measurement)
        db.session.flush()
        audit.record(actor, "measurement.logged", measurement, indicator_id=indicator.id)
    return measurement


def correct_measurement(
    actor: User,
    measurement: Measurement,
    *,
    value: object,
    measured_on: date | None,
    source: str | None,
    expected_version: int,
) -> Measurement:
    """Correct a mistyped value, date or source. Raises `StaleWrite` when someone else
    corrected it since the actor read `expected_version`."""
    authorize(actor, Action.CORRECT_MEASUREMENT, measurement)
    fields = _checked_measurement(value, measured_on, source)
    if measurement.fact is not None and fields["value"] != measurement.value:
        raise ValidationFailed(
            {"value": _("The value comes from a fact: correct the fact, and the value follows.")}
        )
    if expected_version != measurement.version:
        raise StaleWrite()
    changes = _apply(measurement, fields, actor)
    if not changes:
        return measurement
    # The fields are set already; a failure in the block rolls them back with the rest.
    with transaction.write():
        audit.record(
            actor,
            "measurement.corrected",
            measurement,
            changes=changes,
            logged_by=measurement.user.name,
            indicator_id=measurement.indicator_id,
        )
    return measurement


def remove_measurement(actor: User, measurement: Measurement, *, expected_version: int) -> None:
    """Take a wrong value out of the charts, tables and exports. Its row stays, so the audit
    log can say what was removed; `StaleWrite` when it was corrected in between."""
    authorize(actor, Action.CORRECT_MEASUREMENT, measurement)
    if expected_version != measurement.version:
        raise StaleWrite()
    with transaction.write():
        measurement.removed_at, measurement.removed_by_id = utcnow(), actor.id
        audit.record(
            actor,
            "measurement.removed",
            measurement,
            value=_audit_text(measurement.value),
            measured_on=measurement.measured_on.isoformat(),
            source=measurement.source,
            logged_by=measurement.user.name,
            indicator_id=measurement.indicator_id,
        )


@dataclass(frozen=True)
class PeriodProgress:
    key: str  # "2012" or "2012-03"
    label: str
    value: Decimal
    target: Decimal

    @property
    def percent(self) -> int:
        return int((self.value / self.target * 100).to_integral_value())

    @property
    def met(self) -> bool:
        return self.value >= self.target


def _period_of(day: date, period: Period) -> tuple[str, str]:
    if period is Period.YEAR:
        return f"{day.year}", f"{day.year}"
    return f"{day.year}-{day.month:02d}", format_date(day, "LLLL y")


def progress(indicator: Indicator) -> list[PeriodProgress]:
    """Each period's value against the target, oldest first."""
    grouped: dict[str, list[Measurement]] = defaultdict(list)
    labels: dict[str, str] = {}
    for measurement in indicator.measurements:
        key, label = _period_of(measurement.measured_on, indicator.period)
        grouped[key].append(measurement)
        labels[key] = label
    result = []
    for key in sorted(grouped):
        values = grouped[key]
        if indicator.aggregation is Aggregation.SUM:
            total = sum((m.value for m in values), Decimal(0))
        else:
            total = max(values, key=lambda m: (m.measured_on, m.id)).value
        result.append(PeriodProgress(key, labels[key], total, indicator.target))
    return result
