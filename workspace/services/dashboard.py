"""The plan at a glance: status per area, per organisation and across rounds."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from ..extensions import db
from ..models import Activity, Area, AssignmentStatus, FollowUpRound, Indicator, Plan, Report
from . import indicators, plans

Rows = list[tuple[str, Counter[AssignmentStatus]]]


@dataclass(frozen=True)
class IndicatorResult:
    """An indicator in use and its latest period against the target (None: no values)."""

    indicator: Indicator
    latest: indicators.PeriodProgress | None


@dataclass
class Dashboard:
    by_area: Rows
    by_organisation: Rows
    by_round: Rows
    indicators: list[IndicatorResult] = field(default_factory=list)


def indicator_results(plan: Plan) -> list[IndicatorResult]:
    """The plan's indicators in use, in plan order, each with its latest period."""
    found = db.session.execute(
        select(Indicator)
        .join(Indicator.activity)
        .join(Activity.area)
        .where(
            Area.plan_id == plan.id,
            Area.archived_at.is_(None),
            Activity.archived_at.is_(None),
            Indicator.archived_at.is_(None),
        )
        .order_by(Area.position, Activity.position, Indicator.id)
        .options(
            contains_eager(Indicator.activity).contains_eager(Activity.area),
            selectinload(Indicator.measurements),
        )
    ).scalars()
    results = []
    for indicator in found:
        points = indicators.progress(indicator)
        results.append(IndicatorResult(indicator, points[-1] if points else None))
    return results


def build(plan: Plan) -> Dashboard:
    """Counts for the plan's charts and tables, in a fixed number of queries."""
    areas = plans.load_areas(plan)
    by_area: Rows = []
    by_org: dict[str, Counter[AssignmentStatus]] = {}
    now: Counter[AssignmentStatus] = Counter()
    for area in areas:
        counts: Counter[AssignmentStatus] = Counter()
        for activity in area.activities:
            for assignment in activity.assignments:
                counts[assignment.status] += 1
                by_org.setdefault(assignment.organisation.name, Counter())[assignment.status] += 1
        by_area.append((f"{area.position}. {area.title}", counts))
        now.update(counts)
    organisations = plans.responsible_organisations(areas)
    by_organisation = [(org.name, by_org[org.name]) for org in organisations]

    closed = list(
        db.session.execute(
            select(FollowUpRound)
            .where(FollowUpRound.plan_id == plan.id, FollowUpRound.closed_at.is_not(None))
            .order_by(FollowUpRound.closed_at, FollowUpRound.id)
        ).scalars()
    )
    snapshot: dict[int, Counter[AssignmentStatus]] = {r.id: Counter() for r in closed}
    for round_id, status, count in db.session.execute(
        select(Report.round_id, Report.status, func.count(Report.id))
        .where(Report.round_id.in_(snapshot))
        .group_by(Report.round_id, Report.status)
    ):
        snapshot[round_id][status] = count
    by_round: Rows = [(r.title, snapshot[r.id]) for r in closed]
    by_round.append((_("Now"), now))
    return Dashboard(by_area, by_organisation, by_round, indicator_results(plan))
