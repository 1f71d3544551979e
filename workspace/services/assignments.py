"""Changing an assignment's status: the write everything else follows."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db, keeping_loaded
from ..models import (
    NOTE_MAX_LENGTH,
    Activity,
    Area,
    Assignment,
    AssignmentStatus,
    StatusChange,
    User,
)
from ..models.types import utcnow
from ..policy import Action, authorize
from . import audit, transaction, watching
from .errors import StaleWrite, ValidationFailed
from .text import clean


def change_status(
    actor: User,
    assignment: Assignment,
    status: AssignmentStatus | str,
    note: str = "",
    expected_version: int | None = None,
    *,
    at: datetime | None = None,
) -> StatusChange:
    """Set the status, write its history and audit rows, and commit, all or nothing.

    Raises `Denied` when the actor may not report this assignment, `ValidationFailed` for an
    unknown status or a too long note, and `StaleWrite` when the assignment changed since
    the actor read `expected_version`. The assignment and what was loaded with it stay
    loaded after the commit. `at` back-dates the change when history from
    before the workspace is recorded (and in tests); it defaults to now.
    """
    authorize(actor, Action.CHANGE_STATUS, assignment)
    errors: dict[str, str] = {}
    try:
        new_status = AssignmentStatus(status)
    except ValueError:
        errors["status"] = _("Choose one of the statuses in the list.")
    note = clean(note)
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _("The note may have at most %(max)d characters.", max=NOTE_MAX_LENGTH)
    if errors:
        raise ValidationFailed(errors)
    if expected_version is not None and expected_version != assignment.version:
        raise StaleWrite()

    change = StatusChange(
        assignment=assignment,
        from_status=assignment.status,
        to_status=new_status,
        note=note,
        user_id=actor.id,
        organisation_id=actor.organisation_id,
    )
    # Everything written is in memory already, so the caller can show the saved status
    # without loading the assignment again (measured: five queries, a third of a save).
    with keeping_loaded(), transaction.write():
        assignment.status = new_status
        assignment.updated_at = change.created_at = at or utcnow()
        assignment.updated_by_id = actor.id
        db.session.add(change)
        audit.record(
            actor,
            "assignment.status_changed",
            assignment,
            from_status=change.from_status.value if change.from_status else None,
            to_status=new_status.value,
        )
        if at is None:  # back-dated history from before the workspace is not news
            watching.status_changed(actor, change)
    return change


def changes_since(
    since: int,
    *,
    plan_id: int | None = None,
    activity_id: int | None = None,
    exclude_user_id: int | None = None,
) -> list[StatusChange]:
    """Status changes after `since` in one plan or one activity, oldest first."""
    query = (
        select(StatusChange)
        .join(Assignment)
        .where(StatusChange.id > since)
        .order_by(StatusChange.id)
    )
    if plan_id is not None:
        query = query.join(Activity).join(Area).where(Area.plan_id == plan_id)
    if activity_id is not None:
        query = query.where(Assignment.activity_id == activity_id)
    if exclude_user_id is not None:
        query = query.where(StatusChange.user_id != exclude_user_id)
    return list(db.session.execute(query).scalars())
