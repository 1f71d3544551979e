"""The council's and the working group's meetings: recording them with who came from each
organisation and what was decided, and the year's summary the annual evaluation reports
("how the council worked")."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import (
    MAX_ATTENDEES,
    MEETING_DECISIONS_MAX_LENGTH,
    MEETING_TITLE_MAX_LENGTH,
    CouncilBody,
    CouncilMeeting,
    FollowUpRound,
    MeetingAttendance,
    Organisation,
    Plan,
    RoundKind,
    User,
)
from ..models.types import utcnow
from ..policy import Action, authorize
from . import audit, transaction
from .errors import StaleWrite, ValidationFailed
from .personal_data import find_identity_numbers
from .plans import responsible_in
from .rounds import local_today
from .text import clean
from .threads import PersonalDataSuspected

FIRST_YEAR, LAST_YEAR = 2000, 2100

# Which body meets in a round of each kind: the working group follows up in April and
# October, the council evaluates in May.
BODY_OF_ROUND = {
    RoundKind.WORKING_GROUP: CouncilBody.WORKING_GROUP,
    RoundKind.ANNUAL_EVALUATION: CouncilBody.COUNCIL,
}


def members(plan: Plan) -> list[Organisation]:
    """The organisations that sit in the council: the participants, then the partners
    responsible for the plan's activities, which have no logins but come to the meetings."""
    partners = [org for org in responsible_in(plan) if org.is_partner]
    return [*plan.participants, *sorted(partners, key=lambda org: org.name)]


@dataclass(frozen=True)
class Attendance:
    """What the form says of one organisation: ticked as there, and the number typed."""

    attended: bool = False
    attendees: str | None = None


@dataclass(frozen=True)
class MeetingText:
    """A meeting as the form gives it; the service checks every part."""

    body: str | None
    held_on: date | None
    title: str | None
    decisions: str | None
    attendance: dict[int, Attendance] = field(default_factory=dict)
    round_id: int | None = None
    confirmed_no_personal_data: bool = False


@dataclass(frozen=True)
class _Checked:
    body: CouncilBody
    held_on: date
    title: str
    decisions: str
    attendance: dict[int, tuple[bool, int | None]]
    round: FollowUpRound | None


def attendance_field(organisation_id: int) -> str:
    """The form field of an organisation's number of attendees, which errors are put on."""
    return f"attendees-{organisation_id}"


def _attendance(
    plan: Plan, given: dict[int, Attendance], errors: dict[str, str]
) -> dict[int, tuple[bool, int | None]]:
    """Every member's attendance; an organisation the plan does not have is dropped, one
    the form left out did not come."""
    checked: dict[int, tuple[bool, int | None]] = {}
    for org in members(plan):
        entry = given.get(org.id, Attendance())
        raw = clean(entry.attendees)
        number = None
        if raw:
            number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4 else -1
            if not 1 <= number <= MAX_ATTENDEES:
                errors[attendance_field(org.id)] = _(
                    "Write how many came from %(organisation)s, from 1 to %(max)d, or leave "
                    "it empty.",
                    organisation=org.name,
                    max=MAX_ATTENDEES,
                )
                number = None
            elif not entry.attended:
                errors[attendance_field(org.id)] = _(
                    "Tick that %(organisation)s was there, or leave the number empty.",
                    organisation=org.name,
                )
        checked[org.id] = (entry.attended, number)
    return checked


def _checked(plan: Plan, given: MeetingText) -> _Checked:
    """The meeting's parts, cleaned and checked: `ValidationFailed` naming each gap, then
    `PersonalDataSuspected` while a personal identity number is not confirmed."""
    errors: dict[str, str] = {}
    try:
        body = CouncilBody(given.body)
    except ValueError:
        errors["body"] = _("Choose which body met.")
    held_on = given.held_on
    if held_on is None or not FIRST_YEAR <= held_on.year <= LAST_YEAR:
        errors["held_on"] = _("Give the date the meeting was held.")
    elif held_on > local_today():
        errors["held_on"] = _("The date is in the future: record a meeting once it is held.")
    title = clean(given.title)
    if not title:
        errors["title"] = _("Give the meeting a short title, for example Rådsmöte maj.")
    elif len(title) > MEETING_TITLE_MAX_LENGTH:
        errors["title"] = _(
            "The title may have at most %(max)d characters.", max=MEETING_TITLE_MAX_LENGTH
        )
    decisions = clean(given.decisions)
    if len(decisions) > MEETING_DECISIONS_MAX_LENGTH:
        errors["decisions"] = _(
            "The decisions may have at most %(max)d characters.",
            max=MEETING_DECISIONS_MAX_LENGTH,
        )
    attendance = _attendance(plan, given.attendance, errors)
    if errors:
        raise ValidationFailed(errors)
    numbers = find_identity_numbers(title) + find_identity_numbers(decisions)
    if numbers and not given.confirmed_no_personal_data:
        raise PersonalDataSuspected(numbers)
    rnd = db.session.get(FollowUpRound, given.round_id) if given.round_id else None
    # The form offers only the plan's own rounds: any other is dropped, as links are.
    rnd = rnd if rnd is not None and rnd.plan_id == plan.id else None
    return _Checked(body, held_on, title, decisions, attendance, rnd)  # type: ignore[arg-type]


def meeting_on(
    plan: Plan, body: str | None, held_on: date | None, other_than: CouncilMeeting | None = None
) -> CouncilMeeting | None:
    """The plan's meeting of `body` on `held_on`, other than `other_than`: a body's meeting
    is recorded once."""
    if body not in set(CouncilBody) or held_on is None:
        return None
    statement = select(CouncilMeeting).where(
        CouncilMeeting.plan_id == plan.id,
        CouncilMeeting.body == CouncilBody(body),
        CouncilMeeting.held_on == held_on,
    )
    if other_than is not None:
        statement = statement.where(CouncilMeeting.id != other_than.id)
    return db.session.execute(statement).scalar_one_or_none()


def _attended_names(meeting: CouncilMeeting) -> list[str]:
    return [row.organisation.name for row in meeting.attendance if row.attended]


def _apply_attendance(
    meeting: CouncilMeeting, attendance: dict[int, tuple[bool, int | None]]
) -> None:
    rows = {row.organisation_id: row for row in meeting.attendance}
    for organisation_id, (attended, attendees) in attendance.items():
        row = rows.get(organisation_id)
        if row is None:
            row = MeetingAttendance(organisation_id=organisation_id)
            meeting.attendance.append(row)
        row.attended, row.attendees = attended, attendees


def record(actor: User, plan: Plan, given: MeetingText) -> CouncilMeeting:
    """A coordinator records a meeting of the council or the working group: its date, who
    came from each organisation of the plan and what it decided. The same body's meeting on
    the same day is recorded once: a second recording is a conflict (`StaleWrite`)."""
    authorize(actor, Action.RECORD_MEETING, plan)
    checked = _checked(plan, given)
    if meeting_on(plan, checked.body, checked.held_on) is not None:
        raise StaleWrite()
    # Two coordinators recording the same meeting at once: the database refuses the later.
    with transaction.write(conflict_on_duplicate=True):
        meeting = CouncilMeeting(
            plan=plan,
            body=checked.body,
            held_on=checked.held_on,
            title=checked.title,
            decisions=checked.decisions,
            round=checked.round,
            created_by_id=actor.id,
        )
        with db.session.no_autoflush:  # the meeting is written once it is whole
            _apply_attendance(meeting, checked.attendance)
        db.session.add(meeting)
        db.session.flush()
        audit.record(
            actor,
            "meeting.recorded",
            meeting,
            body=meeting.body.value,
            held_on=meeting.held_on.isoformat(),
            attended=_attended_names(meeting),
        )
    return meeting


def _attendance_now(meeting: CouncilMeeting) -> dict[int, tuple[bool, int | None]]:
    return {row.organisation_id: (row.attended, row.attendees) for row in meeting.attendance}


def edit(
    actor: User, meeting: CouncilMeeting, given: MeetingText, expected_version: int | None
) -> CouncilMeeting:
    """Correct a meeting; `StaleWrite` when someone saved it since the actor read
    `expected_version`, or when the body's meeting of the new date is recorded already."""
    authorize(actor, Action.EDIT_MEETING, meeting)
    checked = _checked(meeting.plan, given)
    if expected_version != meeting.version:
        raise StaleWrite()
    if meeting_on(meeting.plan, checked.body, checked.held_on, other_than=meeting) is not None:
        raise StaleWrite()
    new = {
        "body": checked.body,
        "held_on": checked.held_on,
        "title": checked.title,
        "decisions": checked.decisions,
    }
    changes: dict[str, list[str]] = {
        name: [_audit_text(getattr(meeting, name)), _audit_text(value)]
        for name, value in new.items()
        if getattr(meeting, name) != value
    }
    before, now = _attended_names(meeting), _attendance_now(meeting)
    attendance_changed = any(
        now.get(organisation_id, (False, None)) != entry
        for organisation_id, entry in checked.attendance.items()
    )
    if not changes and not attendance_changed:
        return meeting
    with transaction.write(conflict_on_duplicate=True):
        for name, value in new.items():
            setattr(meeting, name, value)
        _apply_attendance(meeting, checked.attendance)
        # Set on every change, so the meeting's own row (and its version) changes too when
        # only the attendance did.
        meeting.updated_at, meeting.updated_by_id = utcnow(), actor.id
        after = _attended_names(meeting)
        if attendance_changed:
            changes["attendance"] = [", ".join(before), ", ".join(after)]
        audit.record(actor, "meeting.changed", meeting, changes=changes)
    return meeting


def remove(actor: User, meeting: CouncilMeeting, expected_version: int | None) -> None:
    """Remove a meeting recorded by mistake; the audit log keeps what it said."""
    authorize(actor, Action.EDIT_MEETING, meeting)
    if expected_version != meeting.version:
        raise StaleWrite()
    with transaction.write():
        audit.record(
            actor,
            "meeting.removed",
            meeting,
            body=meeting.body.value,
            held_on=meeting.held_on.isoformat(),
            decisions=meeting.decisions,
        )
        db.session.delete(meeting)


def _audit_text(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value.value if isinstance(value, CouncilBody) else value)


# --- Reading ---------------------------------------------------------------------------------


def _year_of(plan: Plan, year: int) -> list[CouncilMeeting]:
    return list(
        db.session.execute(
            select(CouncilMeeting)
            .where(
                CouncilMeeting.plan_id == plan.id,
                CouncilMeeting.held_on.between(date(year, 1, 1), date(year, 12, 31)),
            )
            .order_by(CouncilMeeting.held_on, CouncilMeeting.body, CouncilMeeting.id)
        ).scalars()
    )


def meetings_of(plan: Plan, year: int) -> list[CouncilMeeting]:
    """The year's meetings, newest first."""
    return list(reversed(_year_of(plan, year)))


def meetings_of_round(rnd: FollowUpRound) -> list[CouncilMeeting]:
    """The meetings recorded from a follow-up round."""
    return list(
        db.session.execute(
            select(CouncilMeeting)
            .where(CouncilMeeting.round_id == rnd.id)
            .order_by(CouncilMeeting.held_on)
        ).scalars()
    )


def _recorded_years(plan: Plan) -> list[int]:
    days = db.session.execute(
        select(CouncilMeeting.held_on).where(CouncilMeeting.plan_id == plan.id)
    ).scalars()
    return sorted({day.year for day in days}, reverse=True)


def newest_year(plan: Plan) -> int | None:
    """The newest year with a recorded meeting."""
    return next(iter(_recorded_years(plan)), None)


def years_of(plan: Plan, today: date) -> list[int]:
    """The years to choose from: the plan's, this year's, and any a meeting was held in."""
    years = {*range(plan.period_start, plan.period_end + 1), today.year, *_recorded_years(plan)}
    return sorted(years, reverse=True)


def new_meeting(plan: Plan, rnd: FollowUpRound | None, today: date) -> dict[str, object]:
    """What the form starts with: from a round, its body, its date (or today, while it is
    ahead) and its title; otherwise the working group, today."""
    if rnd is None or rnd.plan_id != plan.id:
        return {"body": CouncilBody.WORKING_GROUP.value, "held_on": today}
    return {
        "body": BODY_OF_ROUND[rnd.kind].value,
        "held_on": min(rnd.due_on, today),
        "title": rnd.title,
        "round_id": rnd.id,
    }


@dataclass(frozen=True)
class OrganisationAttendance:
    """One organisation over the year: at how many of the meetings it sat in it was there,
    and how many of its people came in all (`uncounted`: meetings it came to unnumbered)."""

    organisation: Organisation
    attended: int
    meetings: int
    people: int
    uncounted: int


@dataclass(frozen=True)
class Decision:
    meeting: CouncilMeeting
    text: str


@dataclass(frozen=True)
class CouncilSummary:
    """How the council worked in a year: what the annual evaluation reports."""

    year: int
    meetings: list[CouncilMeeting]  # oldest first
    held: dict[CouncilBody, int]
    attendance: list[OrganisationAttendance]
    decisions: list[Decision]

    @property
    def total(self) -> int:
        return len(self.meetings)


def summary(plan: Plan, year: int) -> CouncilSummary:
    """The meetings the plan's council and working group held in `year`, per body; each
    organisation's attendance (there at x of n meetings, people in all); and the decisions,
    each with its meeting and date, in the order they were taken."""
    meetings = _year_of(plan, year)
    held = {body: sum(1 for m in meetings if m.body is body) for body in CouncilBody}
    rows: dict[int, list[MeetingAttendance]] = defaultdict(list)
    organisations: dict[int, Organisation] = {org.id: org for org in members(plan)}
    for meeting in meetings:
        for row in meeting.attendance:
            rows[row.organisation_id].append(row)
            organisations.setdefault(row.organisation_id, row.organisation)
    attendance = [
        OrganisationAttendance(
            organisation=org,
            attended=sum(1 for row in rows[org.id] if row.attended),
            meetings=len(rows[org.id]),
            people=sum(row.attendees or 0 for row in rows[org.id] if row.attended),
            uncounted=sum(1 for row in rows[org.id] if row.attended and row.attendees is None),
        )
        for org in organisations.values()
        if rows[org.id]
    ]
    decisions = [Decision(m, line) for m in meetings for line in m.decision_lines]
    return CouncilSummary(year, meetings, held, attendance, decisions)
