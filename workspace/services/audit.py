"""The append-only audit log."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import AssignmentStatus, AuditEvent, Role, User, Visibility
from .text import neutralise


def record(
    actor: User | None,
    action: str,
    obj: Any = None,
    *,
    organisation_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit row to the caller's transaction (the caller commits)."""
    event = AuditEvent(
        organisation_id=actor.organisation_id if actor else organisation_id,
        user_id=actor.id if actor else None,
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        details=details,
    )
    db.session.add(event)
    return event


ACTION_LABELS = {
    "login": _l("Logged in"),
    "login.failed": _l("Failed login"),
    "user.created": _l("User created"),
    "user.updated": _l("User changed"),
    "user.deactivated": _l("User deactivated"),
    "user.reactivated": _l("User reactivated"),
    "user.password_link_issued": _l("Password link issued"),
    "account.password_changed": _l("Password changed"),
    "account.password_set_with_link": _l("Password set with a link"),
    "function.appointed": _l("Function appointed"),
    "function.relieved": _l("Function relieved"),
    "assignment.status_changed": _l("Status changed"),
    "comment.posted": _l("Comment posted"),
    "comment.edited": _l("Comment edited"),
    "comment.deleted": _l("Comment deleted"),
    "comment.moderated": _l("Comment removed by an admin"),
    "comment.redacted": _l("Comment redacted"),
    "round.opened": _l("Round opened"),
    "round.closed": _l("Round closed"),
    "report.saved": _l("Report saved"),
    "evidence.added": _l("Evidence added"),
    "evidence.removed": _l("Evidence removed"),
    "indicator.added": _l("Target added"),
    "measurement.logged": _l("Value logged"),
    "plan.imported": _l("Plan imported"),
    "plan.created": _l("Plan created"),
    "plan.copied": _l("Next plan started"),
    "plan.area_added": _l("Area added"),
    "plan.area_changed": _l("Area renamed"),
    "plan.area_moved": _l("Area moved"),
    "plan.area_archived": _l("Area archived"),
    "plan.activity_added": _l("Activity added"),
    "plan.activity_changed": _l("Activity changed"),
    "plan.activity_moved": _l("Activity moved"),
    "plan.activity_archived": _l("Activity archived"),
    "plan.replaced": _l("Plan replaced by the next plan"),
    "plan.reopened": _l("Replaced plan reopened for changes"),
    "plan.closed_again": _l("Replaced plan closed again"),
    "plan.area_restored": _l("Area restored"),
    "plan.activity_restored": _l("Activity restored"),
}


def label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


DETAIL_LABELS = {
    "from_status": _l("from"),
    "to_status": _l("to"),
    "role": _l("role"),
    "title": _l("title"),
    "changes": _l("changes"),
    "visibility": _l("visibility"),
    "reason": _l("reason"),
    "kind": _l("kind"),
    "direction": _l("direction"),
    "email": _l("email"),
    "added": _l("added"),
    "removed": _l("removed"),
    "functions": _l("functions"),
    "replaced_by": _l("replaced by"),
}


def _value(key: str, value: Any) -> str:
    """A detail's value in words: statuses, roles and directions by their names."""
    if isinstance(value, dict):
        return "; ".join(f"{_key_label(k)}: {_value(k, v)}" for k, v in value.items())
    if isinstance(value, list):
        if key in ("changes",) or (len(value) == 2 and key in _NAMED):
            return " → ".join(_value(key, v) for v in value)
        return ", ".join(_value(key, v) for v in value)
    if key in ("from_status", "to_status", "status") and value in set(AssignmentStatus):
        return AssignmentStatus(value).label
    if key == "role" and value in set(Role):
        return Role(value).label
    if key == "visibility" and value in set(Visibility):
        return Visibility(value).label
    if key == "direction":
        return str(_("up") if value < 0 else _("down"))
    return "" if value is None else str(value)


_NAMED = {"role", "email", "name", "title", "goal", "status", "from_status", "to_status"}


def _key_label(key: str) -> str:
    return str(DETAIL_LABELS.get(key, FIELD_LABELS.get(key, key)))


FIELD_LABELS = {"name": _l("name"), "goal": _l("goal")}


def describe(event: AuditEvent) -> list[tuple[str, str]]:
    """The event's details as (label, value) in the reader's language; ids are left out,
    since the log says who and what already."""
    return [
        (_key_label(key), _value(key, value))
        for key, value in (event.details or {}).items()
        if not key.endswith("_id")
    ]


def events(
    organisation_id: int,
    *,
    user_id: int | None = None,
    action: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Select[tuple[AuditEvent]]:
    """The organisation's audit events, newest first, narrowed by who, what and when
    (dates are Swedish calendar days)."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.organisation_id == organisation_id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .options(joinedload(AuditEvent.user))
    )
    zone = ZoneInfo("Europe/Stockholm")
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if since is not None:
        query = query.where(AuditEvent.created_at >= datetime.combine(since, time(), zone))
    if until is not None:
        day_after = datetime.combine(until, time(), zone) + timedelta(days=1)
        query = query.where(AuditEvent.created_at < day_after)
    return query


def to_csv(rows: list[AuditEvent]) -> bytes:
    """The events as CSV for Swedish Excel: UTF-8 with BOM, semicolons."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_("When"), _("Who"), _("What"), _("Object"), _("Details")])
    for event in rows:
        writer.writerow(
            [
                event.created_at.astimezone(ZoneInfo("Europe/Stockholm")).strftime(
                    "%Y-%m-%d %H:%M:%S"
                ),
                neutralise(event.user.name if event.user else ""),
                label(event.action),
                f"{event.object_type or ''} {event.object_id or ''}".strip(),
                neutralise("; ".join(f"{k}: {v}" for k, v in describe(event))),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
