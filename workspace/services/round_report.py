"""The printable evaluation report of a round: area by area, with counts per organisation.

Everything here reads objects the caller has already loaded through the policy's scoped
loaders. No comment reaches a report, an export or the archive unless it is shared
(`Visibility.SHARED`, tested explicitly, not "visible to the reader"): they leave the
organisation, so even the reader's own internal notes stay out (`shared_comments`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import contains_eager, selectinload

from ..extensions import db
from ..models import (
    Activity,
    Area,
    Assignment,
    AssignmentStatus,
    Comment,
    Evidence,
    FollowUpRound,
    Indicator,
    Organisation,
    Plan,
    Report,
    Thread,
    Visibility,
)
from ..models.types import utcnow
from . import indicators, rounds


@dataclass
class AssignmentEntry:
    """One assignment in the round: who is responsible, its status then, and the report."""

    assignment: Assignment
    report: Report | None

    @property
    def status(self) -> AssignmentStatus:
        return self.report.status if self.report else self.assignment.status

    @property
    def is_reported(self) -> bool:
        return self.report is not None and self.report.is_reported

    @property
    def evidence(self) -> list[Evidence]:
        return list(self.report.evidence) if self.report else []


@dataclass
class ActivitySection:
    activity: Activity
    entries: list[AssignmentEntry] = field(default_factory=list)
    # Each measurable target with its values per period.
    indicators: list[tuple[Indicator, list[indicators.PeriodProgress]]] = field(
        default_factory=list
    )


@dataclass
class AreaSection:
    area: Area
    activities: list[ActivitySection] = field(default_factory=list)


@dataclass
class Tally:
    """Assignments per status, and how many of them were reported."""

    counts: dict[AssignmentStatus, int] = field(
        default_factory=lambda: dict.fromkeys(AssignmentStatus, 0)
    )
    reported: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, status: AssignmentStatus, reported: bool) -> None:
        self.counts[status] += 1
        self.reported += int(reported)


@dataclass
class OrganisationSummary:
    organisation: Organisation
    tally: Tally = field(default_factory=Tally)


@dataclass
class RoundReport:
    round: FollowUpRound
    plan: Plan
    areas: list[AreaSection]
    organisations: list[OrganisationSummary]
    totals: Tally
    previous: FollowUpRound | None
    moves: list[rounds.Line]
    decisions: list[Comment]
    generated_at: datetime = field(default_factory=utcnow)

    @property
    def entries(self) -> Iterable[tuple[Area, Activity, AssignmentEntry]]:
        for section in self.areas:
            for activity_section in section.activities:
                for entry in activity_section.entries:
                    yield section.area, activity_section.activity, entry


def shared_comments(thread_filter: ColumnElement[bool]) -> list[Comment]:
    """Shared, not removed comments of the threads matching `thread_filter`, oldest first."""
    return list(
        db.session.execute(
            select(Comment)
            .join(Thread)
            .options(contains_eager(Comment.thread))
            .where(
                thread_filter,
                Comment.visibility == Visibility.SHARED,
                Comment.deleted_at.is_(None),
                Comment.redacted_at.is_(None),
            )
            .order_by(Comment.id)
        ).scalars()
    )


def _standing_indicators(plan_id: int) -> dict[int, list[Indicator]]:
    """The plan's indicators that are not archived, per activity, with their values."""
    targets: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in db.session.execute(
        select(Indicator)
        .join(Activity)
        .join(Area)
        .where(Area.plan_id == plan_id, Indicator.archived_at.is_(None))
        .order_by(Indicator.id)
        .options(selectinload(Indicator.measurements))
    ).scalars():
        targets[indicator.activity_id].append(indicator)
    return targets


def round_report(rnd: FollowUpRound) -> RoundReport:
    """The round area by area in plan order, status counts per organisation, what moved
    since the previous round, and the decisions and comments shared in its thread."""
    overview = rounds.view(rnd)
    targets = _standing_indicators(rnd.plan_id)
    areas: list[AreaSection] = []
    summaries: dict[int, OrganisationSummary] = {}
    totals = Tally()
    for line in overview.lines:
        activity = line.assignment.activity
        if not areas or areas[-1].area.id != activity.area_id:
            areas.append(AreaSection(activity.area))
        section = areas[-1]
        if not section.activities or section.activities[-1].activity.id != activity.id:
            section.activities.append(
                ActivitySection(
                    activity,
                    indicators=[(i, indicators.progress(i)) for i in targets[activity.id]],
                )
            )
        entry = AssignmentEntry(line.assignment, line.report)
        section.activities[-1].entries.append(entry)
        owner = line.assignment.organisation
        summaries.setdefault(owner.id, OrganisationSummary(owner)).tally.add(
            entry.status, entry.is_reported
        )
        totals.add(entry.status, entry.is_reported)
    # Organisations with logins first, then the partners a coordinator reports for.
    ordered = sorted(
        summaries.values(), key=lambda s: (s.organisation.is_partner, s.organisation.name)
    )
    return RoundReport(
        round=rnd,
        plan=rnd.plan,
        areas=areas,
        organisations=ordered,
        totals=totals,
        previous=overview.previous,
        moves=overview.moves,
        decisions=shared_comments(Thread.round_id == rnd.id),
    )
