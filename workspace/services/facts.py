"""Facts (step 1 of the cycle): what each organisation brings to a plan for a year."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    FACT_TEXT_MAX_LENGTH,
    Activity,
    Area,
    Fact,
    FactKind,
    Indicator,
    Measurement,
    Plan,
    SituationPicture,
    SituationSection,
    User,
    Visibility,
    situation_section_facts,
)
from ..models.types import utcnow
from ..policy import Action, FactUse, authorize, can, fact_visible_to
from . import attachments, audit, transaction
from .errors import StaleWrite, ValidationFailed
from .personal_data import find_identity_numbers
from .rounds import local_today
from .text import clean

# What the fact form sends to `record` and `edit`, besides the file.
FACT_FIELDS = ("kind", "visibility", "year", "title", "source", "period", "value", "unit", "text")
FACT_FIELDS += ("url",)
MAX_VALUE = Decimal("999999999999")
FIRST_YEAR, LAST_YEAR = 1990, 2100


def _no_identity_number(text: str, field: str, errors: dict[str, str]) -> None:
    """Facts are about crime in places and groups, never about a named person: a personal
    identity number in any of their texts is refused outright."""
    if numbers := find_identity_numbers(text):
        errors[field] = _(
            "Remove the personal identity number (%(numbers)s): facts describe places and "
            "groups, never an individual.",
            numbers=", ".join(numbers),
        )


def _number(raw: object, errors: dict[str, str]) -> Decimal | None:
    text = clean(str(raw) if raw is not None else "")
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or abs(value) > MAX_VALUE:
        errors["value"] = _("Write a number, for example 412 or 2,5.")
        return None
    return value.quantize(Decimal("0.01"))


def _year(raw: object, errors: dict[str, str]) -> int | None:
    try:
        year = int(str(raw).strip())
    except (TypeError, ValueError):
        year = None
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        errors["year"] = _("Give the year the fact belongs to, for example 2025.")
        return None
    return year


def _checked(
    kind: object,
    visibility: object,
    year: object,
    title: str | None,
    source: str | None,
    period: str | None,
    value: object,
    unit: str | None,
    text: str | None,
    url: str | None,
) -> dict[str, Any]:
    """The fact's fields, cleaned and checked; `ValidationFailed` naming each gap."""
    errors: dict[str, str] = {}
    try:
        kind = FactKind(kind)
    except ValueError:
        errors["kind"] = _("Choose what kind of fact it is.")
    try:
        visibility = Visibility(visibility)
    except ValueError:
        errors["visibility"] = _("Choose who may see the fact.")
    texts = {
        "title": clean(title)[:300],
        "source": clean(source)[:300],
        "period": clean(period)[:100],
        "unit": clean(unit)[:60],
        "text": clean(text),
    }
    url = clean(url) or None
    number = _number(value, errors)
    fields: dict[str, Any] = {"year": _year(year, errors), "value": number, "url": url}
    if not texts["title"]:
        errors["title"] = _("Say what the fact is about.")
    if len(texts["text"]) > FACT_TEXT_MAX_LENGTH:
        errors["text"] = _(
            "The text may have at most %(max)d characters.", max=FACT_TEXT_MAX_LENGTH
        )
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        errors["url"] = _("A link must start with https:// or http://.")
    if kind in (FactKind.STATISTICS, FactKind.SURVEY):
        if not texts["source"]:
            errors["source"] = _("Give the source, for example Polisens statistik.")
        if not texts["period"]:
            errors["period"] = _("Give the period the figure covers, for example 2025.")
    if kind is FactKind.STATISTICS and number is None and "value" not in errors:
        errors["value"] = _("Statistics need their value.")
    if number is not None and not texts["unit"]:
        errors["unit"] = _("Give the unit of the value, for example reported crimes.")
    if kind is FactKind.SURVEY and number is None and not texts["text"] and "value" not in errors:
        errors["value"] = _("Give the survey's result: a value with its unit, or a text.")
    if kind is FactKind.OBSERVATION and not texts["text"]:
        errors["text"] = _("Describe what was observed.")
    for name, written in texts.items():
        _no_identity_number(written, name, errors)
    if errors:
        raise ValidationFailed(errors)
    return {**fields, **texts, "kind": kind, "visibility": visibility}


def _attach(fact: Fact, upload: BinaryIO | None, filename: str | None) -> str | None:
    """Store an uploaded file on the fact; the key of the file it replaces, if any."""
    if upload is None:
        return None
    stored = attachments.store(upload, filename or "")
    replaced = fact.attachment_key
    fact.attachment_key, fact.filename = stored.key, stored.filename
    fact.content_type, fact.size = stored.content_type, stored.size
    return replaced or ""


def record(
    actor: User,
    plan: Plan,
    *,
    upload: BinaryIO | None = None,
    filename: str | None = None,
    **given: Any,
) -> Fact:
    """An organisation records a fact it brings for a year of the plan: statistics, a
    survey result or an observation, shared with every participant or kept internal."""
    authorize(actor, Action.RECORD_FACT, plan)
    fact = Fact(
        plan=plan,
        organisation_id=actor.organisation_id,
        created_by_id=actor.id,
        **_checked(**{name: given.get(name) for name in FACT_FIELDS}),
    )
    _attach(fact, upload, filename)
    key = fact.attachment_key
    with transaction.write(on_failure=(lambda: attachments.discard(key)) if key else None):
        db.session.add(fact)
        db.session.flush()
        audit.record(
            actor, "fact.recorded", fact, kind=fact.kind.value, visibility=fact.visibility.value
        )
    return fact


def _audit_text(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value.value if isinstance(value, Visibility | FactKind) else value)


def edit(
    actor: User,
    fact: Fact,
    *,
    expected_version: int,
    upload: BinaryIO | None = None,
    filename: str | None = None,
    **given: Any,
) -> Fact:
    """Correct a fact of the actor's own organisation; `StaleWrite` when it changed since
    the actor read `expected_version`. A new file replaces the old one."""
    authorize(actor, Action.EDIT_FACT, fact)
    fields = _checked(**{name: given.get(name) for name in FACT_FIELDS})
    if expected_version != fact.version:
        raise StaleWrite()
    changes = {
        name: [_audit_text(getattr(fact, name)), _audit_text(new)]
        for name, new in fields.items()
        if getattr(fact, name) != new
    }
    fed = _values_from(fact)
    if fed and fields["visibility"] is Visibility.INTERNAL:
        raise ValidationFailed(
            {"visibility": _("Indicators take their values from this fact: it stays shared.")}
        )
    if fields["visibility"] is Visibility.INTERNAL and (years := cited_in(fact)):
        raise ValidationFailed(
            {
                "visibility": _(
                    "The fact is cited in situation picture %(years)s: it stays shared, since "
                    "every participant reads the picture.",
                    years=", ".join(map(str, years)),
                )
            }
        )
    replaced = _attach(fact, upload, filename)
    if replaced is not None:
        changes["filename"] = ["", fact.filename or ""]
    if not changes:
        return fact
    new_key = fact.attachment_key if replaced is not None else None
    with transaction.write(on_failure=(lambda: attachments.discard(new_key)) if new_key else None):
        for name, new in fields.items():
            setattr(fact, name, new)
        fact.updated_at, fact.updated_by_id = utcnow(), actor.id
        audit.record(actor, "fact.changed", fact, changes=changes)
        _follow(actor, fact, fed)
    if replaced:
        attachments.discard(replaced)
    return fact


def remove(actor: User, fact: Fact, *, expected_version: int) -> None:
    """Remove a fact of the actor's own organisation, and its file; the audit log keeps
    what it said."""
    authorize(actor, Action.EDIT_FACT, fact)
    if expected_version != fact.version:
        raise StaleWrite()
    if years := cited_in(fact):
        raise ValidationFailed(
            {
                "fact": _(
                    "The fact is cited in situation picture %(years)s, so it stays. Take it out "
                    "of the picture's text first, while the picture is a draft.",
                    years=", ".join(map(str, years)),
                )
            }
        )
    key = fact.attachment_key
    with transaction.write():
        audit.record(
            actor,
            "fact.removed",
            fact,
            kind=fact.kind.value,
            year=fact.year,
            value=_audit_text(fact.value) if fact.value is not None else "",
            source=fact.source,
        )
        db.session.delete(fact)
    if key:
        attachments.discard(key)


def cited_in(fact: Fact) -> list[int]:
    """The years of the lägesbilder whose parts cite the fact."""
    return list(
        db.session.execute(
            select(SituationPicture.year)
            .join(SituationSection)
            .join(
                situation_section_facts,
                situation_section_facts.c.section_id == SituationSection.id,
            )
            .where(situation_section_facts.c.fact_id == fact.id)
            .distinct()
            .order_by(SituationPicture.year)
        ).scalars()
    )


def facts_of(user: User, plan: Plan, year: int) -> dict[FactKind, list[Fact]]:
    """The year's facts the user may read, by kind in the form's order, newest first."""
    grouped: dict[FactKind, list[Fact]] = defaultdict(list)
    for fact in db.session.execute(
        select(Fact)
        .where(Fact.plan_id == plan.id, Fact.year == year, fact_visible_to(user.organisation_id))
        .order_by(Fact.created_at.desc(), Fact.id.desc())
    ).scalars():
        grouped[fact.kind].append(fact)
    return {kind: grouped[kind] for kind in FactKind if grouped[kind]}


def newest_year(user: User, plan: Plan) -> int | None:
    """The newest year with a fact the user may read."""
    return db.session.scalar(
        select(func.max(Fact.year)).where(
            Fact.plan_id == plan.id, fact_visible_to(user.organisation_id)
        )
    )


def years_of(user: User, plan: Plan, today: date) -> list[int]:
    """The years to choose from: the plan's, this year's, and any a visible fact has."""
    recorded = db.session.execute(
        select(Fact.year)
        .where(Fact.plan_id == plan.id, fact_visible_to(user.organisation_id))
        .distinct()
    ).scalars()
    years = {*range(plan.period_start, plan.period_end + 1), today.year, *recorded}
    return sorted(years, reverse=True)


def _values_from(fact: Fact) -> list[Measurement]:
    """The indicator values that stand on the fact."""
    return list(
        db.session.execute(
            select(Measurement).where(
                Measurement.fact_id == fact.id, Measurement.removed_at.is_(None)
            )
        ).scalars()
    )


def _source_of(fact: Fact) -> str:
    return f"{fact.source} ({fact.title}, {fact.period})"[:300]


def _follow(actor: User, fact: Fact, values: list[Measurement]) -> None:
    """Inside the write: the values taken from the fact show its correction, each change
    in the audit log as a correction of the value."""
    for measurement in values:
        new = {"value": fact.value, "source": _source_of(fact)}
        changes = {
            name: [_audit_text(getattr(measurement, name)), _audit_text(value)]
            for name, value in new.items()
            if getattr(measurement, name) != value
        }
        if not changes or fact.value is None:
            continue
        measurement.value, measurement.source = fact.value, new["source"]
        measurement.updated_at, measurement.updated_by_id = utcnow(), actor.id
        audit.record(
            actor,
            "measurement.corrected",
            measurement,
            changes=changes,
            from_fact=fact.title,
            indicator_id=measurement.indicator_id,
        )


def indicators_for(user: User, fact: Fact) -> list[Indicator]:
    """The plan's indicators in use, with the fact's unit, that the fact may feed for the
    user: what "use as the value of" offers."""
    if fact.kind is not FactKind.STATISTICS or fact.value is None:
        return []
    found = db.session.execute(
        select(Indicator)
        .join(Activity)
        .join(Area)
        .where(Area.plan_id == fact.plan_id, Indicator.archived_at.is_(None))
        .order_by(Area.position, Activity.position, Indicator.id)
    ).scalars()
    return [
        i
        for i in found
        if i.unit.casefold() == fact.unit.casefold()
        and can(user, Action.USE_FACT, FactUse(fact, i))
    ]


def use_as_value(
    actor: User, fact: Fact, indicator: Indicator, measured_on: date | None
) -> Measurement:
    """Log the fact's value as the indicator's value on `measured_on`: the number is the
    fact's, follows its corrections, and the value's source names the fact."""
    authorize(actor, Action.USE_FACT, FactUse(fact, indicator))
    errors: dict[str, str] = {}
    if fact.kind is not FactKind.STATISTICS or fact.value is None:
        errors["indicator"] = _("Only statistics with a value can give an indicator its value.")
    elif fact.unit.casefold() != indicator.unit.casefold():
        errors["indicator"] = _(
            "The fact is counted in %(fact)s, the indicator in %(indicator)s.",
            fact=fact.unit,
            indicator=indicator.unit,
        )
    if measured_on is None:
        errors["measured_on"] = _("Give the date the value applies to.")
    elif measured_on > local_today():
        errors["measured_on"] = _(
            "The date is in the future: log a value once it has been measured."
        )
    if errors:
        raise ValidationFailed(errors)
    with transaction.write():
        measurement = Measurement(
            indicator=indicator,
            organisation_id=actor.organisation_id,
            user_id=actor.id,
            value=fact.value,
            measured_on=measured_on,
            source=_source_of(fact),
            fact_id=fact.id,
        )
        db.session.add(measurement)
        db.session.flush()
        audit.record(
            actor,
            "measurement.logged",
            measurement,
            indicator_id=indicator.id,
            from_fact=fact.title,
        )
    return measurement
