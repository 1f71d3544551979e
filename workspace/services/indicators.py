"""Indicators: measurable targets on activities and progress against them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import format_date
from flask_babel import gettext as _

from ..extensions import db
from ..models import Activity, Aggregation, Indicator, Measurement, Period, User
from ..policy import Action, authorize
from . import audit
from .errors import ValidationFailed
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
    errors: dict[str, str] = {}
    title, unit = clean(title), clean(unit)
    if not title:
        errors["title"] = _("Say what is measured.")
    if not unit:
        errors["unit"] = _("Give the unit, for example visits.")
    value = _number(target, "target", errors)
    if value is not None and value <= 0:
        errors["target"] = _("The target must be greater than zero.")
    try:
        period, aggregation = Period(period), Aggregation(aggregation)
    except ValueError:
        errors["period"] = _("Choose a period.")
    if errors:
        raise ValidationFailed(errors)
    indicator = Indicator(
        activity=activity,
        title=title[:300],
        unit=unit[:60],
        target=value,
        period=period,
        aggregation=aggregation,
        created_by_id=actor.id,
    )
    db.session.add(indicator)
    db.session.flush()
    audit.record(actor, "indicator.added", indicator, activity_id=activity.id)
    db.session.commit()
    return indicator


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
    errors: dict[str, str] = {}
    number = _number(value, "value", errors)
    if number is not None and number < 0:
        errors["value"] = _("A value cannot be negative.")
    if measured_on is None:
        errors["measured_on"] = _("Give the date the value applies to.")
    source = clean(source)
    if not source:
        errors["source"] = _("Give the source of the value.")
    if errors:
        raise ValidationFailed(errors)
    measurement = Measurement(
        indicator=indicator,
        value=number,
        measured_on=measured_on,
        source=source[:300],
        organisation_id=actor.organisation_id,
        user_id=actor.id,
    )
    db.session.add(measurement)
    db.session.flush()
    audit.record(actor, "measurement.logged", measurement, indicator_id=indicator.id)
    db.session.commit()
    return measurement


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
