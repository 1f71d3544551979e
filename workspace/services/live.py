"""The marker an open page polls against.

A marker is the newest status change and the newest comment *that the reader may see on
the page polled*: one plan, one activity or the plan's general thread, and only comments
their organisation may read (`comment_visible_to`). An internal note of another
organisation, or work in a plan they do not take part in, then moves neither the marker in
their page nor the answer to their poll. Status changes carry nothing internal: every
participant of the plan sees them all.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, ScalarSelect, func, select

from ..extensions import db
from ..models import Activity, Area, Assignment, Comment, StatusChange, Thread, User
from ..policy import activity_visible_to, comment_visible_to, plan_visible_to


class Marker(NamedTuple):
    """The newest status change and the newest comment the page shows."""

    status_change: int
    comment: int


class Scope(NamedTuple):
    """What a page shows: a plan, an activity, or (`general`) the plan's general thread."""

    plan_id: int | None = None
    activity_id: int | None = None
    general: bool = False


def _status_marker(scope: Scope) -> ScalarSelect[Any]:
    query = select(func.max(StatusChange.id)).join(
        Assignment, Assignment.id == StatusChange.assignment_id
    )
    if scope.activity_id is not None:
        return query.where(Assignment.activity_id == scope.activity_id).scalar_subquery()
    return (
        query.join(Activity, Activity.id == Assignment.activity_id)
        .join(Area, Area.id == Activity.area_id)
        .where(Area.plan_id == scope.plan_id)
        .scalar_subquery()
    )


def _comment_marker(organisation_id: Any, scope: Scope) -> ScalarSelect[Any]:
    if scope.activity_id is not None:
        where: list[ColumnElement[bool]] = [Thread.activity_id == scope.activity_id]
    else:
        where = [Thread.plan_id == scope.plan_id]
        if scope.general:
            where += [
                Thread.activity_id.is_(None),
                Thread.round_id.is_(None),
                Thread.situation_picture_id.is_(None),
            ]
    return (
        select(func.max(Comment.id))
        .join(Thread, Thread.id == Comment.thread_id)
        .where(*where, comment_visible_to(organisation_id))
        .scalar_subquery()
    )


def _marker_columns(organisation_id: Any, scope: Scope) -> tuple[ScalarSelect[Any], ...]:
    if scope.plan_id is None and scope.activity_id is None:
        raise ValueError("a marker is about a plan or an activity")
    return _status_marker(scope), _comment_marker(organisation_id, scope)


def current_marker(
    user: User, *, plan_id: int | None = None, activity_id: int | None = None, general: bool = False
) -> Marker:
    """The page's marker for this user, in one query, so a page or a poll pays little for it.
    The caller has already checked that the user may see the plan or activity."""
    scope = Scope(plan_id, activity_id, general)
    row = db.session.execute(select(*_marker_columns(user.organisation_id, scope))).one()
    return Marker(row[0] or 0, row[1] or 0)


class PollState(NamedTuple):
    user: User | None
    visible: bool
    marker: Marker


def poll_state(
    user_id: int, *, plan_id: int | None = None, activity_id: int | None = None
) -> PollState:
    """The user, whether their organisation may see the plan or activity polled, and the
    marker as that user's page carries it, in one query: an idle poll then costs one
    database round trip in all, the check of the session's user included. The caller still
    checks the session token."""
    if plan_id is not None:
        visible = plan_visible_to(User.organisation_id, plan_id)
    elif activity_id is not None:
        visible = activity_visible_to(User.organisation_id, activity_id)
    else:
        raise ValueError("a poll is about a plan or an activity")
    columns = _marker_columns(User.organisation_id, Scope(plan_id, activity_id))
    row = db.session.execute(
        select(User, visible, *columns).where(User.id == user_id)
    ).one_or_none()
    if row is None:
        return PollState(None, False, Marker(0, 0))
    return PollState(row[0], bool(row[1]), Marker(row[2] or 0, row[3] or 0))
