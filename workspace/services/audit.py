"""The append-only audit log."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import get_timezone, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..i18n import day
from ..models import (
    COUNCIL_BODY_LABELS,
    EVIDENCE_KIND_LABELS,
    ROUND_KIND_LABELS,
    Activity,
    Aggregation,
    Area,
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Comment,
    CouncilBody,
    CouncilMeeting,
    Evidence,
    EvidenceKind,
    FactKind,
    FollowUpRound,
    Function,
    Indicator,
    Measurement,
    Period,
    Plan,
    Report,
    Role,
    RoundKind,
    Thread,
    User,
    Visibility,
)
from . import swedish_csv
from .text import neutralise


def record(
    actor: User | None,
    action: str,
    obj: Any = None,
    *,
    organisation_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit row to the caller's transaction (the caller commits). The row keeps
    what the object was called then (`name_of`), since names change later."""
    if obj is not None and "object" not in details:
        details["object"] = name_of(obj)
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


def last_event(obj: Any, actions: tuple[str, ...] | None = None) -> AuditEvent | None:
    """The newest audit row about `obj` (of these `actions`, if given): who last changed it,
    and when, so a conflict can name them."""
    query = select(AuditEvent).where(
        AuditEvent.object_type == type(obj).__name__, AuditEvent.object_id == obj.id
    )
    if actions is not None:
        query = query.where(AuditEvent.action.in_(actions))
    return db.session.execute(
        query.order_by(AuditEvent.id.desc()).limit(1).options(joinedload(AuditEvent.user))
    ).scalar_one_or_none()


def name_of(obj: Any) -> str | None:
    """The object as a person names it: a user by name and email, a function by code and
    organisation, an assignment by activity and function, the rest by title. Never a
    comment's text."""
    match obj:
        case User():
            return f"{obj.name} ({obj.email})"
        case Function():
            return f"{obj.code}, {obj.organisation.name}"
        case Assignment():
            return f"{obj.activity.title} – {name_of(obj.function)}"
        case Report():
            return f"{name_of(obj.assignment)} ({obj.round.title})"
        case Comment():
            return name_of(obj.thread)
        case Thread():
            return obj.activity.title if obj.activity is not None else obj.plan.title
        case Indicator():
            return f"{obj.title} ({obj.activity.title})"
        case Measurement():
            return name_of(obj.indicator)
        case CouncilMeeting():
            return f"{obj.title} ({obj.held_on.isoformat()})"
    return getattr(obj, "title", None)


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
    "notifications.settings_changed": _l("Notification settings changed"),
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
    "indicator.changed": _l("Target changed"),
    "indicator.archived": _l("Target archived"),
    "indicator.restored": _l("Target restored"),
    "measurement.corrected": _l("Value corrected"),
    "measurement.removed": _l("Value removed"),
    "fact.recorded": _l("Fact recorded"),
    "fact.changed": _l("Fact changed"),
    "fact.removed": _l("Fact removed"),
    "plan.imported": _l("Plan imported"),
    "plan.created": _l("Plan created"),
    "plan.participants_changed": _l("Participating organisations changed"),
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
    "situation.started": _l("Situation picture started"),
    "situation.section_changed": _l("Situation picture part changed"),
    "situation.agreed": _l("Situation picture agreed"),
    "situation.fixed": _l("Situation picture fixed"),
    "situation.problem_added": _l("Problem named"),
    "situation.problem_changed": _l("Problem changed"),
    "login.refused": _l("Login refused"),
    "login.bound": _l("Login linked to the organisation's own login"),
    "login_provider.configured": _l("Organisation's own login set up"),
    "login_provider.removed": _l("Organisation's own login removed"),
    "publication.prepared": _l("Public page version prepared"),
    "publication.agreed": _l("Public page version agreed"),
    "publication.published": _l("Public page published"),
    "publication.withdrawn": _l("Public page taken down"),
    "evaluation.started": _l("Annual evaluation started"),
    "evaluation.section_changed": _l("Annual evaluation section changed"),
    "evaluation.figures_refreshed": _l("Annual evaluation's figures fetched anew"),
    "evaluation.agreed": _l("Annual evaluation agreed"),
    "evaluation.fixed": _l("Annual evaluation fixed"),
    "meeting.recorded": _l("Meeting recorded"),
    "meeting.changed": _l("Meeting changed"),
    "meeting.removed": _l("Meeting removed"),
    "situation.problem_linked": _l("Measures addressing a problem changed"),
}


def label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


DETAIL_LABELS = {
    "from_status": _l("From"),
    "to_status": _l("To"),
    "role": _l("Role"),
    "title": _l("Title"),
    "name": _l("Name"),
    "goal": _l("Goal"),
    "visibility": _l("Visibility"),
    "reason": _l("Reason"),
    "kind": _l("Kind"),
    "direction": _l("Direction"),
    "email": _l("Email"),
    "added": _l("Added"),
    "removed": _l("Removed"),
    "functions": _l("Functions"),
    "person": _l("Person"),
    "author": _l("Author"),
    "logged_by": _l("Logged by"),
    # An indicator's and a value's fields.
    "unit": _l("Unit"),
    "target": _l("Target value"),
    "period": _l("Period"),
    "aggregation": _l("Period's value"),
    "value": _l("Value"),
    "measured_on": _l("Date"),
    "source": _l("Source"),
    "replaced_by": _l("Replaced by"),
    # A fact's fields, and the fact a value was taken from.
    "year": _l("Year"),
    "text": _l("Text"),
    "url": _l("Link"),
    "filename": _l("File"),
    "from_fact": _l("From the fact"),
    # Logins, and the organisation's own login.
    "method": _l("Way in"),
    "break_glass": _l("Admin's password while the organisation's own login is required"),
    "issuer": _l("Issuer"),
    "client": _l("Client id"),
    "subject": _l("Identity at the provider"),
    "secret_changed": _l("Client secret changed"),
    "password_login": _l("Password login allowed"),
    "creates_unknown_users": _l("Unknown people become viewers"),
    "by": _l("By"),
    # A version of the public page.
    "number": _l("Version"),
}
LOGIN_METHODS = {"password": _l("Password"), "provider": _l("The organisation's own login")}
CHANGED_BY = {"admin": _l("An admin"), "operator": _l("An operator, at the command line")}
REFUSAL_REASONS = {
    "password_login_off": _l("The organisation signs in with its own login"),
    "unknown": _l("No user with that e-mail address"),
    "email_not_verified": _l("The provider has not confirmed the e-mail address"),
    "bound_to_another": _l("The user is linked to another identity"),
    "other_organisation": _l("A user of another organisation"),
    "deactivated": _l("The user is deactivated"),
    "issuer": _l("Another issuer than the organisation's"),
    "unreachable": _l("The provider did not answer"),
    "state": _l("The login's state did not match (another window, or too late)"),
    "code": _l("The provider refused the code (expired or used)"),
    "cancelled": _l("Cancelled at the provider"),
    "token": _l("The ID token did not pass the checks (signature, issuer, audience, time)"),
    # A meeting of the council or its working group.
    "body": _l("Body"),
    "held_on": _l("Held on"),
    "decisions": _l("Decisions"),
    "attended": _l("Attended"),
    "attendance": _l("Attendance"),
}

# Older rows kept only the object's type and id; they are named by what it is called now.
TYPE_LABELS = {
    "User": _l("User"),
    "Function": _l("Function"),
    "Assignment": _l("Assignment"),
    "Activity": _l("Activity"),
    "Area": _l("Area"),
    "Plan": _l("Plan"),
    "FollowUpRound": _l("Follow-up"),
    "Report": _l("Report"),
    "Evidence": _l("Evidence"),
    "Indicator": _l("Measurable target"),
    "Measurement": _l("Value"),
    "Comment": _l("Comment"),
    "Fact": _l("Fact"),
    "CouncilMeeting": _l("Meeting"),
}
_MODELS = {
    model.__name__: model
    for model in (
        User,
        Function,
        Assignment,
        Activity,
        Area,
        Plan,
        FollowUpRound,
        Report,
        Evidence,
        Indicator,
        Measurement,
        Comment,
    )
}
_PAIRED = {"role", "email", "name", "title", "goal", "status", "from_status", "to_status"}
_PAIRED |= {"unit", "target", "period", "aggregation", "value", "measured_on", "source"}
_PAIRED |= {"year", "text", "url", "filename", "kind", "visibility"}
_PAIRED |= {"body", "held_on", "decisions", "attendance"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _key_label(key: str) -> str:
    return str(DETAIL_LABELS.get(key, key))


def _value(key: str, value: Any) -> str:
    """A detail's value in words: statuses, roles, kinds and dates as the reader says them."""
    if isinstance(value, list):
        if len(value) == 2 and key in _PAIRED:
            return " → ".join(_value(key, v) for v in value)
        return ", ".join(_value(key, v) for v in value)
    if value is None or value == "":
        return "–"
    if key in ("from_status", "to_status", "status") and value in set(AssignmentStatus):
        return AssignmentStatus(value).label
    if key == "role" and value in set(Role):
        return Role(value).label
    if key == "visibility" and value in set(Visibility):
        return Visibility(value).label
    if key == "kind" and value in set(RoundKind):
        return str(ROUND_KIND_LABELS[RoundKind(value)])
    if key == "kind" and value in set(EvidenceKind):
        return str(EVIDENCE_KIND_LABELS[EvidenceKind(value)])
    if key == "kind" and value in set(FactKind):
        return FactKind(value).label
    if key == "body" and value in set(CouncilBody):
        return str(COUNCIL_BODY_LABELS[CouncilBody(value)])
    if key == "period" and value in set(Period):
        return Period(value).label
    if key == "aggregation" and value in set(Aggregation):
        return Aggregation(value).label
    if key == "direction":
        return str(_("up") if value < 0 else _("down"))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    for labels_key, labels in (
        ("method", LOGIN_METHODS),
        ("by", CHANGED_BY),
        ("reason", REFUSAL_REASONS),
    ):
        if key == labels_key and value in labels:
            return str(labels[value])
    if isinstance(value, str) and _ISO_DATE.match(value):
        return day(date.fromisoformat(value))
    return str(value)


def object_name(event: AuditEvent) -> str:
    """What the row is about, as it was called when it happened; older rows, which kept only
    an id, by what it is called now (or its kind and number when it is gone)."""
    recorded = (event.details or {}).get("object")
    if recorded:
        return str(recorded)
    if event.object_type is None:
        return ""
    model = _MODELS.get(event.object_type)
    obj = db.session.get(model, event.object_id) if model and event.object_id else None
    if isinstance(obj, User) and obj.organisation_id != event.organisation_id:
        obj = None
    name = name_of(obj) if obj is not None else None
    kind = str(TYPE_LABELS.get(event.object_type, event.object_type))
    return name or f"{kind} {event.object_id or ''}".strip()


def describe(event: AuditEvent) -> list[tuple[str, str]]:
    """The event's details as (label, value) in the reader's language: each changed field
    as old → new, people and functions by name; ids and empty details are left out."""
    details = dict(event.details or {})
    if "person" not in details and details.get("user_id") and event.object_type == "Function":
        person = db.session.get(User, details["user_id"])  # an older row: the person now
        if person is not None and person.organisation_id == event.organisation_id:
            details["person"] = name_of(person)
    rows: list[tuple[str, str]] = []
    for key, value in details.items():
        if key == "object" or key.endswith("_id") or value in (None, "", [], {}):
            continue
        if key == "changes" and isinstance(value, dict):
            rows.extend((_key_label(k), _value(k, v)) for k, v in value.items())
        else:
            rows.append((_key_label(key), _value(key, value)))
    return rows


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
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if since is not None:
        query = query.where(AuditEvent.created_at >= day_start(since))
    if until is not None:
        query = query.where(AuditEvent.created_at < day_start(until + timedelta(days=1)))
    return query


# The days the log can be narrowed to. Far enough from year 1 and 9999 that the instant a day
# starts at (and the next day's) is a datetime in UTC too: at the ends of that range the
# zone's offset, or the day after, would overflow (a 500 on `?since=0001-01-01` once).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


def day_start(day: date) -> datetime:
    """The instant a Swedish calendar day starts at, in UTC; ValueError for a day outside
    FIRST_DAY..LAST_DAY (and the day after it), which forms refuse first."""
    if not FIRST_DAY <= day <= LAST_DAY + timedelta(days=1):
        raise ValueError(f"{day} is outside {FIRST_DAY}..{LAST_DAY}")
    # pytz, from Flask-Babel: `localize` gives the day's real offset (summer time too).
    return get_timezone().localize(datetime.combine(day, time())).astimezone(UTC)


def to_csv(rows: list[AuditEvent]) -> bytes:
    """The events as CSV for Swedish Excel (`swedish_csv`), in the reader's language like
    the page."""
    return swedish_csv.encode(
        [_("When"), _("Who"), _("What"), _("Object"), _("Details")],
        (
            [
                to_user_timezone(event.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                neutralise(event.user.name if event.user else ""),
                label(event.action),
                neutralise(object_name(event)),
                neutralise("; ".join(f"{k}: {v}" for k, v in describe(event))),
            ]
            for event in rows
        ),
    )
