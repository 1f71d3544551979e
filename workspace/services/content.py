"""The plan's content: areas and activities, their order, goals and responsible functions.

Nothing is deleted: archiving takes content out of the plan and keeps its history, so an
activity's status changes and comments stay readable after it is gone from the plan.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import (
    Activity,
    Area,
    Assignment,
    AuditEvent,
    Function,
    Organisation,
    OrganisationKind,
    Plan,
    User,
    plan_participants,
)
from ..models.types import utcnow
from ..policy import Action, authorize
from . import audit, transaction
from .errors import StaleWrite, ValidationFailed
from .text import clean


def _title(raw: str | None, field: str = "title", limit: int = 300) -> str:
    title = clean(raw)
    if not title:
        raise ValidationFailed({field: _("Write a title.")})
    if len(title) > limit:
        raise ValidationFailed(
            {field: _("The title may have at most %(max)d characters.", max=limit)}
        )
    return title


def selectable_functions(plan: Plan) -> list[Function]:
    """Functions that may be responsible in the plan: those of its participants and of
    partner organisations, tenants first."""
    participants = select(plan_participants.c.organisation_id).where(
        plan_participants.c.plan_id == plan.id
    )
    return list(
        db.session.execute(
            select(Function)
            .join(Organisation)
            .where(
                (Organisation.id.in_(participants))
                | (Organisation.kind == OrganisationKind.PARTNER)
            )
            .order_by(Organisation.kind.desc(), Organisation.name, Function.code)
        ).scalars()
    )


def current_areas(plan: Plan) -> list[Area]:
    return [a for a in plan.areas if a.archived_at is None]


def current_activities(area: Area) -> list[Activity]:
    return [a for a in area.activities if a.archived_at is None]


def add_area(actor: User, plan: Plan, title: str | None) -> Area:
    authorize(actor, Action.EDIT_PLAN, plan)
    title = _title(title, limit=200)
    if any(a.title == title for a in plan.areas):
        raise ValidationFailed({"title": _("The plan already has an area with that title.")})
    position = (max((a.position for a in plan.areas), default=0)) + 1
    with transaction.write():
        area = Area(plan=plan, title=title, position=position)
        db.session.add(area)
        db.session.flush()
        audit.record(actor, "plan.area_added", area, title=title)
    return area


def _claim_version(item: Area | Activity, expected_version: int | None) -> None:
    """Take the next version of `item`, or `StaleWrite` when someone saved it since the
    coordinator read `expected_version`. One guarded UPDATE, so of two saves at once only
    one wins. Moves and archiving leave the version alone: an open edit form stays valid."""
    model = type(item)
    claimed = db.session.execute(
        update(model)
        .where(model.id == item.id, model.version == expected_version)
        .values(version=model.version + 1)
        .execution_options(synchronize_session=False)
    )
    if expected_version is None or claimed.rowcount != 1:
        raise StaleWrite()
    set_committed_value(item, "version", expected_version + 1)


# Audit actions that change what an edit form shows; a conflict names who did the last one.
AREA_EDITS = ("plan.area_added", "plan.area_changed")
ACTIVITY_EDITS = ("plan.activity_added", "plan.activity_changed")


def last_edit(item: Area | Activity) -> AuditEvent | None:
    """Who last saved the area's title or the activity's fields, and when."""
    return audit.last_event(item, AREA_EDITS if isinstance(item, Area) else ACTIVITY_EDITS)


def rename_area(actor: User, area: Area, title: str | None, expected_version: int | None) -> None:
    """Change an area's title; `StaleWrite` unless it is still the version the actor saw."""
    authorize(actor, Action.EDIT_PLAN, area.plan)
    title = _title(title, limit=200)
    if any(a.title == title and a.id != area.id for a in area.plan.areas):
        raise ValidationFailed({"title": _("The plan already has an area with that title.")})
    with transaction.write():
        _claim_version(area, expected_version)
        audit.record(actor, "plan.area_changed", area, title=[area.title, title])
        area.title = title


def _swap(items: list, item: object, direction: int) -> bool:
    index = items.index(item)
    other = index + direction
    if not 0 <= other < len(items):
        return False
    items[index].position, items[other].position = items[other].position, items[index].position
    return True


def move_area(actor: User, area: Area, direction: int) -> None:
    """Move an area one step up (-1) or down (+1) among the plan's current areas."""
    authorize(actor, Action.EDIT_PLAN, area.plan)
    if _swap(current_areas(area.plan), area, direction):
        with transaction.write():
            audit.record(actor, "plan.area_moved", area, direction=direction)


def archive_area(actor: User, area: Area) -> None:
    """Take an area, with its activities and assignments, out of the plan."""
    authorize(actor, Action.EDIT_PLAN, area.plan)
    now = utcnow()
    with transaction.write():
        area.archived_at = now
        for activity in current_activities(area):
            _archive_activity(activity, now)
        audit.record(actor, "plan.area_archived", area, title=area.title)


def _set_responsible(activity: Activity, functions: list[Function]) -> tuple[list[str], list[str]]:
    """Assignments for exactly these functions: new ones created, dropped ones archived, an
    archived one brought back (with its history) when its function returns."""
    wanted = {f.id: f for f in functions}
    existing = {a.function_id: a for a in activity.assignments}
    added, removed = [], []
    for function_id, function in wanted.items():
        assignment = existing.get(function_id)
        if assignment is None:
            activity.assignments.append(Assignment(function=function))
            added.append(function.code)
        elif assignment.archived_at is not None:
            assignment.archived_at = None
            added.append(function.code)
    now = utcnow()
    for function_id, assignment in existing.items():
        if function_id not in wanted and assignment.archived_at is None:
            assignment.archived_at = now
            removed.append(assignment.function.code)
    return added, removed


def _functions(plan: Plan, function_ids: set[int]) -> list[Function]:
    allowed = {f.id: f for f in selectable_functions(plan)}
    if not function_ids:
        raise ValidationFailed({"functions": _("Choose at least one responsible function.")})
    if not function_ids <= allowed.keys():
        raise ValidationFailed({"functions": _("Choose among the functions offered.")})
    return [allowed[i] for i in sorted(function_ids)]


def add_activity(
    actor: User, area: Area, *, title: str | None, goal: str | None, function_ids: set[int]
) -> Activity:
    authorize(actor, Action.EDIT_PLAN, area.plan)
    title, goal = _title(title), clean(goal)
    if not goal:
        raise ValidationFailed({"goal": _("Write the goal.")})
    functions = _functions(area.plan, function_ids)
    position = (max((a.position for a in area.activities), default=0)) + 1
    with transaction.write():
        activity = Activity(area=area, title=title, goal=goal, position=position)
        db.session.add(activity)
        _set_responsible(activity, functions)
        db.session.flush()
        audit.record(actor, "plan.activity_added", activity, title=title)
    return activity


def edit_activity(
    actor: User,
    activity: Activity,
    *,
    title: str | None,
    goal: str | None,
    function_ids: set[int],
    expected_version: int | None,
) -> None:
    """Change an activity's title, goal and responsible functions.

    `StaleWrite` unless the activity is still at `expected_version`, the one the actor saw."""
    authorize(actor, Action.EDIT_PLAN, activity.area.plan)
    title, goal = _title(title), clean(goal)
    if not goal:
        raise ValidationFailed({"goal": _("Write the goal.")})
    functions = _functions(activity.area.plan, function_ids)
    with transaction.write():
        _claim_version(activity, expected_version)
        changes = {
            key: [old, new]
            for key, old, new in (("title", activity.title, title), ("goal", activity.goal, goal))
            if old != new
        }
        activity.title, activity.goal = title, goal
        added, removed = _set_responsible(activity, functions)
        audit.record(
            actor, "plan.activity_changed", activity, changes=changes, added=added, removed=removed
        )


def move_activity(actor: User, activity: Activity, direction: int) -> None:
    authorize(actor, Action.EDIT_PLAN, activity.area.plan)
    if _swap(current_activities(activity.area), activity, direction):
        with transaction.write():
            audit.record(actor, "plan.activity_moved", activity, direction=direction)


def _archive_activity(activity: Activity, now: object) -> None:
    activity.archived_at = now
    for assignment in activity.current_assignments:
        assignment.archived_at = now


def archive_activity(actor: User, activity: Activity) -> None:
    authorize(actor, Action.EDIT_PLAN, activity.area.plan)
    with transaction.write():
        _archive_activity(activity, utcnow())
        audit.record(actor, "plan.activity_archived", activity, title=activity.title)


def archive_marker(item: Area | Activity) -> str:
    """Which archiving of an area or activity the user saw: a restore names it, so one that
    was restored and archived again meanwhile is not brought back unseen."""
    return item.archived_at.isoformat() if item.archived_at else ""


def archived_areas(plan: Plan) -> list[Area]:
    return [a for a in plan.areas if a.archived_at is not None]


def archived_activities(plan: Plan) -> list[Activity]:
    """Archived activities of current areas; those of an archived area return with it."""
    return [a for area in current_areas(plan) for a in area.activities if a.archived_at]


def _restore_activity(activity: Activity) -> None:
    # Assignments archived with the activity return; those taken off earlier stay off.
    for assignment in activity.assignments:
        if assignment.archived_at == activity.archived_at:
            assignment.archived_at = None
    activity.archived_at = None


def restore_area(actor: User, area: Area, seen: str | None) -> None:
    """Bring an archived area back into the plan, with the activities archived with it.

    Raises `StaleWrite` unless the area is still archived as the actor saw it (`seen` is its
    `archive_marker`)."""
    authorize(actor, Action.EDIT_PLAN, area.plan)
    if area.archived_at is None or seen != archive_marker(area):
        raise StaleWrite()
    with transaction.write():
        for activity in area.activities:
            if activity.archived_at == area.archived_at:
                _restore_activity(activity)
        area.archived_at = None
        audit.record(actor, "plan.area_restored", area, title=area.title)


def restore_activity(actor: User, activity: Activity, seen: str | None) -> None:
    """Bring an archived activity back into its area, with the assignments archived with it.

    Raises `StaleWrite` unless it is still archived as the actor saw it, and
    `ValidationFailed` while its area is archived (restoring the area brings it back)."""
    authorize(actor, Action.EDIT_PLAN, activity.area.plan)
    if activity.archived_at is None or seen != archive_marker(activity):
        raise StaleWrite()
    if activity.area.archived_at is not None:
        raise ValidationFailed({"archived": _("Restore its area first.")})
    with transaction.write():
        _restore_activity(activity)
        audit.record(actor, "plan.activity_restored", activity, title=activity.title)


def reopen_plan(actor: User, plan: Plan, expected_version: int | None) -> None:
    """Open a replaced plan for late changes (statuses, reports, content), audited.

    Raises `StaleWrite` unless the plan is closed and still at `expected_version`."""
    authorize(actor, Action.REOPEN_PLAN, plan)
    if not plan.is_closed or expected_version != plan.version:
        raise StaleWrite()
    with transaction.write():
        plan.reopened_at = utcnow()
        plan.reopened_by_id = actor.id
        audit.record(actor, "plan.reopened", plan, title=plan.title)


def close_plan(actor: User, plan: Plan, expected_version: int | None) -> None:
    """Close a reopened plan for changes again, audited.

    Raises `StaleWrite` unless the plan is reopened and still at `expected_version`."""
    authorize(actor, Action.REOPEN_PLAN, plan)
    if plan.is_closed or expected_version != plan.version:
        raise StaleWrite()
    with transaction.write():
        plan.reopened_at = None
        plan.reopened_by_id = None
        audit.record(actor, "plan.closed_again", plan, title=plan.title)


def copy_plan(actor: User, plan: Plan, *, title: str | None, period_start: int | None) -> Plan:
    """Start the next three-year plan as a copy of this one: the same participants, areas,
    activities, goals and responsible functions, every status back to not started. The old
    plan keeps its history and is closed for changes, until a coordinator reopens it."""
    authorize(actor, Action.EDIT_PLAN, plan)
    title = _title(title)
    if period_start is None or not 2000 <= period_start <= 2100:
        raise ValidationFailed({"period_start": _("Give the first year of the new plan.")})
    if db.session.scalar(
        select(func.count(Plan.id)).where(Plan.title == title, Plan.period_start == period_start)
    ):
        raise ValidationFailed({"title": _("A plan with that title and first year exists.")})
    with transaction.write():
        copy = Plan(
            title=title,
            period_start=period_start,
            period_end=period_start + 2,
            participants=list(plan.participants),
        )
        db.session.add(copy)
        for area in current_areas(plan):
            new_area = Area(title=area.title, position=area.position)
            copy.areas.append(new_area)
            for activity in current_activities(area):
                new_activity = Activity(
                    title=activity.title, goal=activity.goal, position=activity.position
                )
                new_area.activities.append(new_activity)
                for assignment in activity.current_assignments:
                    new_activity.assignments.append(Assignment(function=assignment.function))
        db.session.flush()
        plan.replaced_by = copy
        plan.ended_at = utcnow()
        plan.reopened_at = plan.reopened_by_id = None
        audit.record(actor, "plan.copied", copy, source_plan_id=plan.id, title=title)
        audit.record(actor, "plan.replaced", plan, title=plan.title, replaced_by=title)
    return copy
