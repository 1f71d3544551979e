"""Follow-up rounds: opening, reporting with evidence, closing, progress and differences."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO
from urllib.parse import urlsplit

from flask_babel import format_date, get_timezone
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..i18n import day
from ..models import (
    REPORT_TEXT_MAX_LENGTH,
    Activity,
    Area,
    Assignment,
    AssignmentStatus,
    Evidence,
    EvidenceKind,
    FollowUpRound,
    Organisation,
    Plan,
    Report,
    RoundKind,
    User,
)
from ..models.types import utcnow
from ..policy import Action, RoundEntry, authorize, reports_for_partners
from . import attachments, audit, round_notifications, transaction
from .errors import StaleWrite, ValidationFailed
from .plans import current_assignments_of
from .text import clean


def open_round(
    actor: User,
    plan: Plan,
    kind: RoundKind | str,
    title: str | None,
    due_on: date | None,
    *,
    ask_if_past_due: bool = False,
) -> FollowUpRound:
    """A coordinator opens a round in which every assignment's organisation reports; the
    holders of each function with assignments in it are told what to report, by when.

    Left empty, the title follows the kind and the due date, made unique within the plan.
    With `ask_if_past_due` (a person at the form who has not confirmed yet) a due date that
    has passed is refused, so nobody opens an overdue round by mistake."""
    authorize(actor, Action.MANAGE_ROUNDS, plan)
    errors: dict[str, str] = {}
    title = clean(title)
    derived: str | None = None
    try:
        kind = RoundKind(kind)
    except ValueError:
        errors["kind"] = _("Choose the kind of follow-up.")
    else:
        derived = suggested_title(kind, due_on) if not title and due_on is not None else None
        title = _free_title(plan, derived) if derived else title
    if len(title) > 200:
        errors["title"] = _("The title may have at most %(max)d characters.", max=200)
    elif title and not derived and _title_taken(plan, title):
        errors["title"] = _("The plan already has a round with that title.")
    if due_on is None:
        errors["due_on"] = _("Give the date by which the organisations report.")
    elif ask_if_past_due and due_on < local_today():
        errors["confirm_past_due"] = _(
            "The date %(date)s has already passed: the round would be overdue from the start. "
            "Change the date, or confirm that the round should have it.",
            date=day(due_on),
        )
    if errors:
        raise ValidationFailed(errors)
    with transaction.write():
        rnd = _add_round(plan, kind, title, derived, due_on, actor)
        audit.record(actor, "round.opened", rnd, title=rnd.title, kind=rnd.kind.value)
        round_notifications.notify_opened(rnd)
    return rnd


def _add_round(
    plan: Plan, kind: RoundKind, title: str, derived: str | None, due_on: date, actor: User
) -> FollowUpRound:
    while True:
        try:
            with db.session.begin_nested():
                rnd = FollowUpRound(
                    plan=plan, kind=kind, title=title, due_on=due_on, opened_by=actor
                )
                db.session.add(rnd)
            return rnd
        except IntegrityError:
            # Another coordinator took the title since it was checked: a derived title
            # moves on to the next free one, a typed one is the user's to change.
            if not derived:
                raise ValidationFailed(
                    {"title": _("The plan already has a round with that title.")}
                ) from None
            title = _free_title(plan, derived)


def local_today() -> date:
    """Today in the workspace's time zone: a due date passes at local midnight, not UTC's."""
    return utcnow().astimezone(get_timezone()).date()


def _title_taken(plan: Plan, title: str) -> bool:
    return bool(
        db.session.scalar(
            select(func.count(FollowUpRound.id)).where(
                FollowUpRound.plan_id == plan.id, FollowUpRound.title == title
            )
        )
    )


def _free_title(plan: Plan, title: str) -> str:
    """`title`, or "title (2)", "title (3)"… when the plan already has a round so named."""
    candidate, number = title, 1
    while _title_taken(plan, candidate):
        number += 1
        candidate = f"{title} ({number})"
    return candidate


def suggested_title(kind: RoundKind, due_on: date) -> str:
    """ "Uppföljning april 2027" or "Årlig utvärdering maj 2027", after the due date's month."""
    month = format_date(due_on, "LLLL y")
    if kind is RoundKind.ANNUAL_EVALUATION:
        return _("Annual evaluation %(month)s", month=month)
    return _("Follow-up %(month)s", month=month)


def title_hint(kind: str | None, due_on: date | None) -> str:
    """The title an empty field gets, for the kind and date picked so far (or their defaults)."""
    chosen = RoundKind(kind) if kind in set(RoundKind) else RoundKind.WORKING_GROUP
    return suggested_title(chosen, due_on or local_today())


# The version a report has before its first save (a saved report starts at 1).
NO_REPORT_YET = 0


def find_report(rnd: FollowUpRound, assignment: Assignment) -> Report | None:
    return db.session.execute(
        select(Report).where(Report.round_id == rnd.id, Report.assignment_id == assignment.id)
    ).scalar_one_or_none()


def entry_of(report: Report) -> RoundEntry:
    return RoundEntry(report.round, report.assignment)


def _keep_open(
    actor: User, action: Action, obj: object, rnd: FollowUpRound, **closing: object
) -> None:
    """Inside the write: update the round's row only while it is open, so a close and a change
    to its reports take turns (`closing`: the values that close it). Closed a moment ago, the
    policy says so."""
    held = db.session.execute(
        update(FollowUpRound)
        .where(FollowUpRound.id == rnd.id, FollowUpRound.closed_at.is_(None))
        .values(**(closing or {"closed_at": None}))
    )
    if held.rowcount != 1:
        authorize(actor, action, obj)  # it re-reads the round and raises Locked
    db.session.expire(rnd, ["closed_by"])  # the update set its column, not the relationship


def report(
    actor: User,
    rnd: FollowUpRound,
    assignment: Assignment,
    what_was_done: str | None,
    expected_version: int | None = None,
) -> Report:
    """Save the assignment's report for the round; its status is the assignment's now.

    `expected_version` is the version the user saw (`NO_REPORT_YET` before the first save);
    `StaleWrite` when the report is another now, `Locked` when the round is closed."""
    where = RoundEntry(rnd, assignment)
    authorize(actor, Action.REPORT, where)
    text = _long_text("what_was_done", what_was_done, _("Write what was done."))
    entry = find_report(rnd, assignment)
    # Version 0 is what a user saw before the first save: "no report yet". It is checked
    # like any other, so the second of two first saves is a conflict, not an overwrite.
    seen = entry.version if entry else NO_REPORT_YET
    if expected_version is not None and expected_version != seen:
        raise StaleWrite()
    # Both first saves found no report; the unique (round, assignment) refuses the later.
    with transaction.write(conflict_on_duplicate=True):
        _keep_open(actor, Action.REPORT, where, rnd)
        if entry is None:
            entry = Report(round=rnd, assignment=assignment)
            db.session.add(entry)
        entry.status = assignment.status
        entry.what_was_done = text
        entry.reported_by = actor
        entry.reported_at = utcnow()
        db.session.flush()
        audit.record(actor, "report.saved", entry, round_id=rnd.id, assignment_id=assignment.id)
    return entry


def _long_text(name: str, value: str | None, missing: str | None) -> str:
    """A report's or an evaluation's text, cleaned: refused when too long, or empty if
    `missing` says why it may not be."""
    text = clean(value)
    if missing and not text:
        raise ValidationFailed({name: missing})
    if len(text) > REPORT_TEXT_MAX_LENGTH:
        raise ValidationFailed(
            {name: _("The text may have at most %(max)d characters.", max=REPORT_TEXT_MAX_LENGTH)}
        )
    return text


def report_for_evidence(actor: User, rnd: FollowUpRound, assignment: Assignment) -> Report:
    """The report evidence is added to: refused while the assignment has none saved yet."""
    authorize(actor, Action.REPORT, RoundEntry(rnd, assignment))
    entry = find_report(rnd, assignment)
    if entry is None:
        raise ValidationFailed({"title": _("Save the report first, then add its evidence.")})
    return entry


# What the evidence form sends to `add_evidence`, besides the file.
EVIDENCE_FIELDS = ("kind", "title", "url", "source", "dated_on", "registry_number")


def add_evidence(
    actor: User,
    entry: Report,
    *,
    kind: EvidenceKind | str,
    title: str | None,
    url: str | None = None,
    source: str | None = None,
    dated_on: date | None = None,
    registry_number: str | None = None,
    upload: BinaryIO | None = None,
    filename: str | None = None,
) -> Evidence:
    """Attach what a report rests on: statistics (source and date), a report, or a decision
    (registry number), as a link, a file, or both."""
    where = entry_of(entry)
    authorize(actor, Action.REPORT, where)
    evidence = _checked_evidence(
        kind=kind,
        title=clean(title),
        url=clean(url) or None,
        source=clean(source) or None,
        dated_on=dated_on,
        registry_number=clean(registry_number) or None,
        has_file=upload is not None,
    )
    stored = attachments.store(upload, filename or "") if upload is not None else None
    if stored:
        evidence.attachment_key, evidence.filename = stored.key, stored.filename
        evidence.content_type, evidence.size = stored.content_type, stored.size
    # A file stored for evidence that is not saved is removed again.
    discard = (lambda: attachments.discard(stored.key)) if stored else None
    with transaction.write(on_failure=discard):
        _keep_open(actor, Action.REPORT, where, entry.round)
        evidence.report, evidence.added_by = entry, actor
        db.session.add(evidence)
        db.session.flush()
        audit.record(
            actor, "evidence.added", evidence, report_id=entry.id, kind=evidence.kind.value
        )
    return evidence


def _checked_evidence(
    *,
    kind: EvidenceKind | str,
    title: str,
    url: str | None,
    source: str | None,
    dated_on: date | None,
    registry_number: str | None,
    has_file: bool,
) -> Evidence:
    """The evidence as given, not yet in the session; `ValidationFailed` naming each gap."""
    errors: dict[str, str] = {}
    try:
        kind = EvidenceKind(kind)
    except ValueError:
        errors["kind"] = _("Choose what kind of evidence it is.")
    if not title:
        errors["title"] = _("Give the evidence a title.")
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        errors["url"] = _("A link must start with https:// or http://.")
    if not url and not has_file:
        errors["url"] = _("Give a link or attach a file.")
    if kind == EvidenceKind.STATISTICS and not (source and dated_on):
        errors["source"] = _("Statistics need their source and date.")
    if kind == EvidenceKind.DECISION and not registry_number:
        errors["registry_number"] = _("A decision needs its registry number (diarienummer).")
    if errors:
        raise ValidationFailed(errors)
    return Evidence(
        kind=kind,
        title=title[:300],
        url=url,
        source=source,
        dated_on=dated_on,
        registry_number=registry_number,
    )


def remove_evidence(actor: User, evidence: Evidence) -> None:
    where = entry_of(evidence.report)
    authorize(actor, Action.REPORT, where)
    key = evidence.attachment_key
    with transaction.write():
        _keep_open(actor, Action.REPORT, where, where.round)
        audit.record(actor, "evidence.removed", evidence, title=evidence.title)
        db.session.delete(evidence)
    if key:
        attachments.discard(key)


def close_round(actor: User, rnd: FollowUpRound, council_evaluation: str | None = None) -> None:
    """Close the round: every assignment not reported gets a row with its status now, so
    the round keeps a whole snapshot; reports no longer change. Two coordinators closing at
    once: the later is refused (`Locked`)."""
    authorize(actor, Action.CLOSE_ROUND, rnd)
    evaluation = _long_text(
        "council_evaluation",
        council_evaluation,
        _("Say how the council itself has worked this year.")
        if rnd.kind is RoundKind.ANNUAL_EVALUATION
        else None,
    )
    with transaction.write():
        _keep_open(actor, Action.CLOSE_ROUND, rnd, rnd, closed_at=utcnow(), closed_by_id=actor.id)
        reported = {r.assignment_id for r in rnd.reports}
        for assignment in plan_assignments(rnd.plan):
            if assignment.id not in reported:
                db.session.add(Report(round=rnd, assignment=assignment, status=assignment.status))
        rnd.council_evaluation = evaluation
        audit.record(actor, "round.closed", rnd, title=rnd.title)


def plan_assignments(plan: Plan) -> list[Assignment]:
    """Every current assignment of the plan, in the plan's order."""
    return list(
        db.session.execute(
            select(Assignment)
            .join(Activity)
            .join(Area)
            .where(*current_assignments_of(plan))
            .order_by(Area.position, Activity.position, Assignment.id)
        ).scalars()
    )


# --- Reading a round -----------------------------------------------------------------------


@dataclass
class OrganisationProgress:
    organisation: Organisation
    total: int = 0
    reported: int = 0

    @property
    def unreported(self) -> int:
        return self.total - self.reported


@dataclass
class Line:
    """One assignment in a round: its report (if any) and what it was in the round before."""

    assignment: Assignment
    report: Report | None
    previous: Report | None

    @property
    def status_then(self) -> AssignmentStatus:
        return self.report.status if self.report else self.assignment.status

    @property
    def moved(self) -> bool:
        return self.previous is not None and self.previous.status is not self.status_then


@dataclass
class RoundView:
    round: FollowUpRound
    previous: FollowUpRound | None
    lines: list[Line]
    by_organisation: list[OrganisationProgress] = field(default_factory=list)

    @property
    def reported(self) -> int:
        return sum(1 for line in self.lines if line.report and line.report.is_reported)

    @property
    def total(self) -> int:
        return len(self.lines)

    @property
    def moves(self) -> list[Line]:
        return [line for line in self.lines if line.moved]

    @property
    def new_evidence(self) -> list[Evidence]:
        return [e for line in self.lines if line.report for e in line.report.evidence]

    def entry(self, line: Line) -> RoundEntry:
        """What `Action.REPORT` judges for the line."""
        return RoundEntry(self.round, line.assignment)

    def unreported_of(self, organisation_id: int) -> list[Line]:
        """The organisation's own assignments not reported yet: "mine, unreported"."""
        return [
            line
            for line in self.lines
            if line.assignment.organisation.id == organisation_id
            and not (line.report and line.report.is_reported)
        ]

    def meeting_step(self, position: int) -> MeetingStep | None:
        """The meeting's `position`th area (from 1) in the plan's order; None past the ends."""
        by_area = lines_by_area(self.lines)
        areas = sorted(by_area, key=lambda area: area.position)
        if not 1 <= position <= len(areas):
            return None
        area = areas[position - 1]
        return MeetingStep(area, by_area[area], position, len(areas))


@dataclass(frozen=True)
class MeetingStep:
    """One area of the round at the working group's meeting, and where it is in the walk."""

    area: Area
    lines: list[Line]
    position: int
    area_count: int


def previous_round(rnd: FollowUpRound) -> FollowUpRound | None:
    """The closed round of the same plan before this one."""
    return db.session.execute(
        select(FollowUpRound)
        .where(
            FollowUpRound.plan_id == rnd.plan_id,
            FollowUpRound.id != rnd.id,
            FollowUpRound.closed_at.is_not(None),
            FollowUpRound.created_at <= rnd.created_at,
        )
        .order_by(FollowUpRound.created_at.desc(), FollowUpRound.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _reports_of(rnd: FollowUpRound | None) -> dict[int, Report]:
    if rnd is None:
        return {}
    return {
        r.assignment_id: r
        for r in db.session.execute(
            select(Report)
            .where(Report.round_id == rnd.id)
            .options(selectinload(Report.evidence), selectinload(Report.reported_by))
        ).scalars()
    }


def view(rnd: FollowUpRound) -> RoundView:
    """The round with every assignment, its report, progress per organisation and what
    changed since the previous closed round. A fixed number of queries."""
    previous = previous_round(rnd)
    current = _reports_of(rnd)
    before = _reports_of(previous)
    lines = [Line(a, current.get(a.id), before.get(a.id)) for a in plan_assignments(rnd.plan)]
    progress: dict[int, OrganisationProgress] = {}
    for line in lines:
        org = line.assignment.organisation
        entry = progress.setdefault(org.id, OrganisationProgress(org))
        entry.total += 1
        if line.report and line.report.is_reported:
            entry.reported += 1
    ordered = sorted(
        progress.values(), key=lambda p: (p.organisation.is_partner, p.organisation.name)
    )
    return RoundView(rnd, previous, lines, ordered)


def lines_by_area(lines: list[Line]) -> dict[Area, list[Line]]:
    grouped: dict[Area, list[Line]] = defaultdict(list)
    for line in lines:
        grouped[line.assignment.activity.area].append(line)
    return grouped


def rounds_of(plan: Plan) -> list[FollowUpRound]:
    return list(
        db.session.execute(
            select(FollowUpRound)
            .where(FollowUpRound.plan_id == plan.id)
            .order_by(FollowUpRound.created_at.desc(), FollowUpRound.id.desc())
        ).scalars()
    )


@dataclass(frozen=True)
class Reminder:
    """What is left to report in an open round: the organisation's own assignments, and
    the partners' (which any participating coordinator reports)."""

    round: FollowUpRound
    own_left: int
    own_total: int
    partners_left: int
    overdue: bool


def reminders(
    plan: Plan, user: User, today: date, assignments: list[Assignment] | None = None
) -> list[Reminder]:
    """Open rounds of the plan in which the user's organisation has something left to
    report, the earliest due first; partners' assignments count for those who may report
    for partners. A caller that has the plan's current assignments loaded passes them."""
    open_rounds = [r for r in rounds_of(plan) if r.is_open]
    if not open_rounds:
        return []
    if assignments is None:
        assignments = plan_assignments(plan)
    own = [a for a in assignments if a.organisation.id == user.organisation_id]
    partners = (
        [a for a in assignments if a.organisation.is_partner] if reports_for_partners(user) else []
    )
    reported_in: dict[int, set[int]] = {rnd.id: set() for rnd in open_rounds}
    for round_id, assignment_id in db.session.execute(
        select(Report.round_id, Report.assignment_id).where(
            Report.round_id.in_(reported_in), Report.reported_at.is_not(None)
        )
    ):
        reported_in[round_id].add(assignment_id)
    result = []
    for rnd in open_rounds:
        reported = reported_in[rnd.id]
        own_left = sum(1 for a in own if a.id not in reported)
        partners_left = sum(1 for a in partners if a.id not in reported)
        if own_left or partners_left:
            result.append(Reminder(rnd, own_left, len(own), partners_left, rnd.due_on < today))
    return sorted(result, key=lambda r: r.round.due_on)
