"""The marker an open page polls against."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, select

from ..extensions import db
from ..models import Comment, StatusChange, User
from ..policy import activity_visible_to, plan_visible_to


class Marker(NamedTuple):
    """The newest status change and the newest comment anywhere."""

    status_change: int
    comment: int


def _marker_columns() -> tuple:
    return (
        select(func.max(StatusChange.id)).scalar_subquery(),
        select(func.max(Comment.id)).scalar_subquery(),
    )


def current_marker() -> Marker:
    """Both newest ids in one query of two primary-key lookups, so an idle poll is cheap."""
    row = db.session.execute(select(*_marker_columns())).one()
    return Marker(row[0] or 0, row[1] or 0)


class PollState(NamedTuple):
    user: User | None
    visible: bool
    marker: Marker


def poll_state(
    user_id: int, *, plan_id: int | None = None, activity_id: int | None = None
) -> PollState:
    """The user, whether their organisation may see the plan or activity polled, and the
    marker, in one query: an idle poll then costs one database round trip in all, the
    check of the session's user included. The caller still checks the session token."""
    if plan_id is not None:
        visible = plan_visible_to(User.organisation_id, plan_id)
    elif activity_id is not None:
        visible = activity_visible_to(User.organisation_id, activity_id)
    else:
        raise ValueError("a poll is about a plan or an activity")
    row = db.session.execute(
        select(User, visible, *_marker_columns()).where(User.id == user_id)
    ).one_or_none()
    if row is None:
        return PollState(None, False, Marker(0, 0))
    return PollState(row[0], bool(row[1]), Marker(row[2] or 0, row[3] or 0))
