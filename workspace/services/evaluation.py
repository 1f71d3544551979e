"""The annual evaluation (May), the report to municipal leadership: starting it with a draft
written from the data, editing its sections, refreshing its figures, agreeing, fixing.

Like the lägesbild, every change of the content (a section, the figures) takes the next
content version, so an agreement to an older one reads as withdrawn.

The draft and the figures are a joint document: only shared facts enter them, never an
organisation's internal ones, whoever starts the evaluation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import select, update

from ..extensions import db
from ..i18n import day, number
from ..models import (
    EVALUATION_SECTION_MAX_LENGTH,
    ROUND_KIND_LABELS,
    AssignmentStatus,
    Evaluation,
    EvaluationAgreement,
    EvaluationPart,
    EvaluationSection,
    Fact,
    FactKind,
    FollowUpRound,
    Indicator,
    Organisation,
    Period,
    Plan,
    RoundKind,
    SituationPicture,
    User,
    Visibility,
)
from ..models.types import utcnow
from ..policy import Action, authorize
from . import audit, council, indicators, rounds, transaction
from .errors import StaleWrite, ValidationFailed
from .situation import FIRST_YEAR, LAST_YEAR, _checked_text, linkable_areas

# The document goes to Swedish municipal leadership: its draft is written in Swedish,
# whatever language the coordinator who starts it reads the workspace in.
DOCUMENT_LOCALE = "sv"


# --- The figures: a snapshot taken when the evaluation is started ----------------------------


@dataclass(frozen=True)
class IndicatorFigure:
    """A measurable target and its latest period's value within the year."""

    title: str
    unit: str
    target: str  # Decimal as text: JSON keeps it exact
    period: str  # Period value
    aggregation: str
    period_key: str | None = None  # "2026" or "2026-10"; None when nothing was logged
    value: str | None = None

    @property
    def target_number(self) -> Decimal:
        return Decimal(self.target)

    @property
    def value_number(self) -> Decimal | None:
        return Decimal(self.value) if self.value is not None else None

    @property
    def percent(self) -> int | None:
        if self.value is None:
            return None
        return int((Decimal(self.value) / Decimal(self.target) * 100).to_integral_value())

    @property
    def met(self) -> bool:
        return self.value is not None and Decimal(self.value) >= Decimal(self.target)

    @property
    def period_label(self) -> str:
        """The period the value is of, in the reader's language: "2026", "oktober 2026"."""
        if self.period_key is None:
            return ""
        if Period(self.period) is Period.YEAR or "-" not in self.period_key:
            return self.period_key
        year, month = self.period_key.split("-")
        return format_date(date(int(year), int(month), 1), "LLLL y")


@dataclass(frozen=True)
class ActivityFigure:
    title: str
    goal: str
    status: str  # AssignmentStatus value, derived from the assignments then
    indicators: list[IndicatorFigure] = field(default_factory=list)

    @property
    def status_value(self) -> AssignmentStatus:
        return AssignmentStatus(self.status)


@dataclass(frozen=True)
class AreaFigures:
    area_id: int
    title: str
    activities: list[ActivityFigure] = field(default_factory=list)


@dataclass(frozen=True)
class FactFigure:
    """A shared fact of the year or the year before: then and now."""

    year: int
    organisation: str
    kind: str
    title: str
    source: str
    period: str
    value: str | None
    unit: str
    text: str

    @property
    def kind_label(self) -> str:
        return FactKind(self.kind).label

    @property
    def value_number(self) -> Decimal | None:
        return Decimal(self.value) if self.value is not None else None


@dataclass(frozen=True)
class Figures:
    year: int
    areas: list[AreaFigures] = field(default_factory=list)
    facts: list[FactFigure] = field(default_factory=list)

    def area(self, area_id: int | None) -> AreaFigures | None:
        return next((a for a in self.areas if a.area_id == area_id), None)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figures:
        return cls(
            year=data.get("year", 0),
            areas=[
                AreaFigures(
                    area["area_id"],
                    area["title"],
                    [
                        ActivityFigure(
                            a["title"],
                            a["goal"],
                            a["status"],
                            [IndicatorFigure(**i) for i in a["indicators"]],
                        )
                        for a in area["activities"]
                    ],
                )
                for area in data.get("areas", [])
            ],
            facts=[FactFigure(**f) for f in data.get("facts", [])],
        )


def _indicator_figure(indicator: Indicator, year: int) -> IndicatorFigure:
    within = [p for p in indicators.progress(indicator) if p.key.startswith(f"{year}")]
    latest = within[-1] if within else None
    return IndicatorFigure(
        title=indicator.title,
        unit=indicator.unit,
        target=str(indicator.target.normalize()),
        period=indicator.period.value,
        aggregation=indicator.aggregation.value,
        period_key=latest.key if latest else None,
        value=str(latest.value.normalize()) if latest else None,
    )


def shared_facts(plan: Plan, years: tuple[int, ...]) -> list[Fact]:
    """The plan's shared facts of these years, oldest year first: internal facts stay their
    organisation's and never enter the joint document (tested explicitly, not "visible")."""
    return list(
        db.session.execute(
            select(Fact)
            .where(
                Fact.plan_id == plan.id,
                Fact.year.in_(years),
                Fact.visibility == Visibility.SHARED,
            )
            .order_by(Fact.year, Fact.kind, Fact.title, Fact.id)
        ).scalars()
    )


def figures(plan: Plan, year: int) -> Figures:
    """The plan's current areas with each activity's goal, derived status and indicators
    against target in the year, and the shared facts of the year and the year before."""
    areas = [
        AreaFigures(
            area.id,
            area.title,
            [
                ActivityFigure(
                    activity.title,
                    activity.goal,
                    activity.overall_status.value,
                    [
                        _indicator_figure(i, year)
                        for i in db.session.execute(
                            select(Indicator)
                            .where(
                                Indicator.activity_id == activity.id,
                                Indicator.archived_at.is_(None),
                            )
                            .order_by(Indicator.id)
                        ).scalars()
                    ],
                )
                for activity in activities
            ],
        )
        for area, activities in linkable_areas(plan)
    ]
    facts = [
        FactFigure(
            fact.year,
            fact.organisation.name,
            fact.kind.value,
            fact.title,
            fact.source,
            fact.period,
            str(fact.value.normalize()) if fact.value is not None else None,
            fact.unit,
            fact.text,
        )
        for fact in shared_facts(plan, (year - 1, year))
    ]
    return Figures(year, areas, facts)


def figures_of(evaluation: Evaluation) -> Figures:
    """The figures the evaluation keeps, as taken when it was started or last refreshed."""
    return Figures.from_json(evaluation.figures or {})


# --- The draft, in the document's language ----------------------------------------------------


def _indicator_line(indicator: IndicatorFigure, year: int) -> str:
    if indicator.value is None:
        return _(
            "%(indicator)s: no value logged in %(year)d (target %(target)s %(unit)s).",
            indicator=indicator.title,
            year=year,
            target=number(indicator.target_number),
            unit=indicator.unit,
        )
    reached = _("target met") if indicator.met else _("target not met")
    return _(
        "%(indicator)s: %(value)s of %(target)s %(unit)s (%(percent)d %%) in %(period)s, "
        "%(reached)s.",
        indicator=indicator.title,
        value=number(indicator.value_number),
        target=number(indicator.target_number),
        unit=indicator.unit,
        percent=indicator.percent,
        period=indicator.period_label,
        reached=reached,
    )


def area_draft(area: AreaFigures, year: int) -> str:
    """Goal achievement in one area: each activity, its goal, status and indicators."""
    if not area.activities:
        return _("The area has no activities.")
    paragraphs = []
    for activity in area.activities:
        lines = [
            activity.title,
            _("Goal: %(goal)s", goal=activity.goal),
            _("Status: %(status)s", status=activity.status_value.label),
        ]
        lines += [_indicator_line(i, year) for i in activity.indicators]
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def picture_for(plan: Plan, year: int) -> SituationPicture | None:
    """The year's lägesbild, or the latest one before it."""
    return db.session.execute(
        select(SituationPicture)
        .where(SituationPicture.plan_id == plan.id, SituationPicture.year <= year)
        .order_by(SituationPicture.year.desc())
        .limit(1)
    ).scalar_one_or_none()


def problems_draft(plan: Plan, year: int) -> str:
    """The lägesbild's problems with the activities addressing them and their status now."""
    picture = picture_for(plan, year)
    if picture is None:
        return _("No situation picture was drawn up for %(year)d or earlier.", year=year)
    if not picture.problems:
        return _("The situation picture %(year)d names no problem.", year=picture.year)
    paragraphs = [_("The problems of the situation picture %(year)d:", year=picture.year)]
    for problem in picture.problems:
        lines = [problem.title]
        if problem.description:
            lines.append(problem.description)
        measures = [a for a in problem.activities if a.archived_at is None]
        if measures:
            named = ", ".join(f"{a.title} ({a.overall_status.label})" for a in measures)
            lines.append(_("Measures: %(measures)s", measures=named))
        else:
            lines.append(_("No measure addresses it."))
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def rounds_in(plan: Plan, year: int) -> list[FollowUpRound]:
    """The plan's follow-up rounds due in the year, in order."""
    return list(
        db.session.execute(
            select(FollowUpRound)
            .where(
                FollowUpRound.plan_id == plan.id,
                FollowUpRound.due_on >= date(year, 1, 1),
                FollowUpRound.due_on <= date(year, 12, 31),
            )
            .order_by(FollowUpRound.due_on, FollowUpRound.id)
        ).scalars()
    )


def council_draft(plan: Plan, year: int) -> str:
    """How the council worked in the year: the meetings of the council and the working group
    with each organisation's attendance and the decisions taken, then the follow-up rounds
    (kind, due date, closed or not, reports per organisation) and the council's own
    evaluation in the May round."""
    paragraphs = [*_meetings_draft(council.summary(plan, year)), *_rounds_draft(plan, year)]
    return "\n\n".join(paragraphs)


def _meetings_draft(found: council.CouncilSummary) -> list[str]:
    if not found.total:
        return [
            _(
                "No meeting of the council or the working group was noted in %(year)d.",
                year=found.year,
            )
        ]
    held = ", ".join(
        f"{body.label}: {ngettext('%(num)d meeting', '%(num)d meetings', count)}"
        for body, count in found.held.items()
        if count
    )
    came = "; ".join(
        _(
            "%(organisation)s there at %(attended)s",
            organisation=line.organisation.name,
            attended=ngettext(
                "%(attended)d of %(num)d meeting",
                "%(attended)d of %(num)d meetings",
                line.meetings,
                attended=line.attended,
            ),
        )
        + (f" ({ngettext('%(num)d person', '%(num)d people', line.people)})" if line.people else "")
        for line in found.attendance
        if line.attended
    )
    away = ", ".join(line.organisation.name for line in found.attendance if not line.attended)
    paragraphs = [
        _("Meetings held in %(year)d: %(held)s.", year=found.year, held=held),
        _("Attendance: %(came)s.", came=came or "–"),
    ]
    if away:
        paragraphs.append(_("At none of the meetings: %(away)s.", away=away))
    if found.decisions:
        decided = "\n".join(
            f"– {decision.text} ({decision.meeting.title}, {day(decision.meeting.held_on)})"
            for decision in found.decisions
        )
        paragraphs.append(_("Decisions taken:") + "\n" + decided)
    return paragraphs


def _rounds_draft(plan: Plan, year: int) -> list[str]:
    held = rounds_in(plan, year)
    if not held:
        return [_("No follow-up round fell due in %(year)d.", year=year)]
    paragraphs = []
    council_texts = []
    for rnd in held:
        state = (
            _("closed %(date)s", date=day(rnd.closed_at.date()))
            if rnd.closed_at
            else _("still open")
        )
        reported = ", ".join(
            _(
                "%(organisation)s %(reported)d of %(total)d",
                organisation=p.organisation.name,
                reported=p.reported,
                total=p.total,
            )
            for p in rounds.view(rnd).by_organisation
        )
        paragraphs.append(
            "\n".join(
                [
                    _(
                        "%(title)s (%(kind)s), due %(date)s, %(state)s.",
                        title=rnd.title,
                        kind=ROUND_KIND_LABELS[rnd.kind],
                        date=day(rnd.due_on),
                        state=state,
                    ),
                    _("Reports: %(reported)s.", reported=reported or "–"),
                ]
            )
        )
        if rnd.kind is RoundKind.ANNUAL_EVALUATION and rnd.council_evaluation:
            council_texts.append(rnd.council_evaluation)
    for text in council_texts:
        paragraphs.append(_("The council's own evaluation: %(text)s", text=text))
    return paragraphs


def summary_draft(found: Figures) -> str:
    """A short opening: the activities by status, and the facts of the year and before."""
    statuses = Counter(a.status_value for area in found.areas for a in area.activities)
    total = sum(statuses.values())
    counted = ", ".join(
        f"{statuses[status]} {status.label.lower()}"
        for status in AssignmentStatus
        if statuses[status]
    )
    paragraphs = [
        _(
            "Of the plan's %(total)d activities in %(year)d: %(counted)s.",
            total=total,
            year=found.year,
            counted=counted or "–",
        )
    ]
    if found.facts:
        lines = [_("Facts then and now:")]
        for fact in found.facts:
            said = (
                f"{number(fact.value_number)} {fact.unit}" if fact.value is not None else fact.text
            )
            source = f" ({fact.source})" if fact.source else ""
            lines.append(f"{fact.year}: {fact.title}: {said}{source}")
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def _drafted_sections(plan: Plan, year: int, found: Figures) -> list[EvaluationSection]:
    parts: list[tuple[EvaluationPart, int | None, str, str]] = [
        (EvaluationPart.SUMMARY, None, _("Summary"), summary_draft(found))
    ]
    parts += [
        (EvaluationPart.AREA, area.area_id, area.title, area_draft(area, year))
        for area in found.areas
    ]
    parts += [
        (
            EvaluationPart.PROBLEMS,
            None,
            _("The situation picture's problems today"),
            problems_draft(plan, year),
        ),
        (EvaluationPart.COUNCIL, None, _("How the council has worked"), council_draft(plan, year)),
    ]
    return [
        EvaluationSection(
            position=position, part=part, area_id=area_id, heading=heading[:300], body=body
        )
        for position, (part, area_id, heading, body) in enumerate(parts, start=1)
    ]


# --- Writing, agreeing, fixing -----------------------------------------------------------------


def evaluations_of(plan: Plan) -> list[Evaluation]:
    """The plan's annual evaluations, newest year first."""
    return list(
        db.session.execute(
            select(Evaluation).where(Evaluation.plan_id == plan.id).order_by(Evaluation.year.desc())
        ).scalars()
    )


def start(actor: User, plan: Plan, year: int | None) -> Evaluation:
    """A coordinator starts the year's evaluation: its figures taken, its sections drafted
    from the data in Swedish. Twice at once: the later one answers `StaleWrite`."""
    authorize(actor, Action.START_EVALUATION, plan)
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            {
                "year": _(
                    "Choose a year from %(first)d to %(last)d.", first=FIRST_YEAR, last=LAST_YEAR
                )
            }
        )
    if any(e.year == year for e in evaluations_of(plan)):
        raise ValidationFailed({"year": _("The plan already has an annual evaluation that year.")})
    with force_locale(DOCUMENT_LOCALE):
        found = figures(plan, year)
        sections = _drafted_sections(plan, year, found)
    with transaction.write(conflict_on_duplicate=True):
        evaluation = Evaluation(
            plan=plan,
            year=year,
            created_by_id=actor.id,
            figures=found.to_json(),
            figures_taken_at=utcnow(),
        )
        evaluation.sections = sections
        db.session.add(evaluation)
        db.session.flush()
        audit.record(actor, "evaluation.started", evaluation, year=year)
    return evaluation


def _next_content_version(evaluation: Evaluation) -> None:
    """The content changed: agreements to the version before are withdrawn."""
    db.session.execute(
        update(Evaluation)
        .where(Evaluation.id == evaluation.id)
        .values(content_version=Evaluation.content_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(evaluation, ["content_version"])


def _withdrawn(evaluation: Evaluation) -> list[str]:
    return [a.organisation.name for a in evaluation.agreements if a.is_current]


def edit_section(
    actor: User,
    section: EvaluationSection,
    body: str | None,
    expected_version: int | None,
    *,
    confirmed_no_personal_data: bool = False,
) -> EvaluationSection:
    """Save one section's text; `StaleWrite` when someone saved it since the writer read
    `expected_version`, `Locked` once fixed. Any change withdraws the agreements."""
    evaluation = section.evaluation
    authorize(actor, Action.WRITE_EVALUATION, evaluation)
    text = _checked_text("body", body, EVALUATION_SECTION_MAX_LENGTH, confirmed_no_personal_data)
    db.session.refresh(section)
    if expected_version != section.version:
        raise StaleWrite()
    if text == section.body:
        return section
    with transaction.write():
        withdrawn = _withdrawn(evaluation)
        section.body = text
        section.updated_at = utcnow()
        section.updated_by_id = actor.id
        db.session.flush()
        _next_content_version(evaluation)
        audit.record(
            actor,
            "evaluation.section_changed",
            section,
            title=section.heading,
            withdrawn=withdrawn,
        )
    return section


def _seen(evaluation: Evaluation, expected_content_version: int | None) -> None:
    db.session.refresh(evaluation, ["content_version"])
    if expected_content_version != evaluation.content_version:
        raise StaleWrite()


def refresh_figures(
    actor: User, evaluation: Evaluation, expected_content_version: int | None
) -> None:
    """Take the figures anew from the data ("Hämta siffrorna på nytt"), while a draft; the
    texts stay as written, the agreements are withdrawn."""
    authorize(actor, Action.REFRESH_EVALUATION, evaluation)
    _seen(evaluation, expected_content_version)
    with transaction.write():
        withdrawn = _withdrawn(evaluation)
        evaluation.figures = figures(evaluation.plan, evaluation.year).to_json()
        evaluation.figures_taken_at = utcnow()
        db.session.flush()
        _next_content_version(evaluation)
        audit.record(actor, "evaluation.figures_refreshed", evaluation, withdrawn=withdrawn)


def organisations_that_agree(evaluation: Evaluation) -> list[Organisation]:
    """The participants with logins: each one's coordinator agrees."""
    return [org for org in evaluation.plan.participants if not org.is_partner]


@dataclass(frozen=True)
class AgreementLine:
    organisation: Organisation
    agreement: EvaluationAgreement | None

    @property
    def current(self) -> bool:
        return self.agreement is not None and self.agreement.is_current


def agreement_lines(evaluation: Evaluation) -> list[AgreementLine]:
    by_org = {a.organisation_id: a for a in evaluation.agreements}
    return [AgreementLine(org, by_org.get(org.id)) for org in organisations_that_agree(evaluation)]


def all_agreed(evaluation: Evaluation) -> bool:
    return all(line.current for line in agreement_lines(evaluation))


def agree(actor: User, evaluation: Evaluation, expected_content_version: int | None) -> None:
    """The actor's organisation stands behind the evaluation as the actor read it."""
    authorize(actor, Action.AGREE_EVALUATION, evaluation)
    _seen(evaluation, expected_content_version)
    with transaction.write(conflict_on_duplicate=True):
        agreement = next(
            (a for a in evaluation.agreements if a.organisation_id == actor.organisation_id),
            None,
        )
        if agreement is None:
            agreement = EvaluationAgreement(organisation_id=actor.organisation_id)
            evaluation.agreements.append(agreement)
        agreement.user_id = actor.id
        agreement.content_version = evaluation.content_version
        agreement.agreed_at = utcnow()
        audit.record(actor, "evaluation.agreed", evaluation, version=evaluation.content_version)


def fix(actor: User, evaluation: Evaluation, expected_content_version: int | None) -> None:
    """Fix the agreed evaluation ("fastställd"): from now on nothing in it changes."""
    authorize(actor, Action.FIX_EVALUATION, evaluation)
    _seen(evaluation, expected_content_version)
    if not all_agreed(evaluation):
        raise ValidationFailed(
            {"fix": _("Every participating organisation must agree before it is fixed.")}
        )
    with transaction.write():
        evaluation.fixed_at = utcnow()
        evaluation.fixed_by_id = actor.id
        audit.record(actor, "evaluation.fixed", evaluation, version=evaluation.content_version)
