"""An activity's page: its indicators with their progress, and its follow-up timeline."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Activity, Indicator, Measurement, Plan, StatusChange, User
from . import indicators, threads, watching

IndicatorProgress = tuple[Indicator, list[indicators.PeriodProgress]]


@dataclass
class ActivityPage:
    """What the activity page shows a user, read in a fixed number of queries."""

    activity: Activity
    thread: threads.ThreadView
    indicators: list[IndicatorProgress]
    archived_indicators: list[IndicatorProgress]
    watch: watching.WatchState

    @property
    def plan(self) -> Plan:
        return self.activity.area.plan


def _indicators(activity: Activity) -> list[Indicator]:
    return list(
        db.session.execute(
            select(Indicator)
            .where(Indicator.activity_id == activity.id)
            .order_by(Indicator.id)
            # The values table names who logged and who corrected each value.
            .options(
                selectinload(Indicator.measurements).options(
                    selectinload(Measurement.user),
                    selectinload(Measurement.organisation),
                    selectinload(Measurement.updated_by),
                )
            )
        ).scalars()
    )


def _history(activity: Activity) -> list[StatusChange]:
    return list(
        db.session.execute(
            select(StatusChange)
            .where(StatusChange.assignment_id.in_([a.id for a in activity.assignments]))
            .order_by(StatusChange.created_at, StatusChange.id)
            .options(selectinload(StatusChange.user).selectinload(User.functions))
        ).scalars()
    )


def activity_page(user: User, activity: Activity) -> ActivityPage:
    """The activity as `user` sees it (a visible one: the caller loaded it scoped): current
    and archived indicators with each period's progress, and the status history and the
    comments the user may read on one timeline, and whether the user watches it."""
    every_indicator = _indicators(activity)
    history = _history(activity)
    return ActivityPage(
        activity=activity,
        thread=threads.thread_view(user, activity.area.plan, activity, history),
        indicators=[(i, indicators.progress(i)) for i in every_indicator if i.archived_at is None],
        archived_indicators=[
            (i, indicators.progress(i)) for i in every_indicator if i.archived_at is not None
        ],
        watch=watching.watch_state(user, activity),
    )
