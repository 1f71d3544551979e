"""The evaluation report of a round and its exports (Excel, CSV), and the plan's JSON archive.

Everything here reads objects the caller has already loaded through the policy's scoped
loaders. No comment reaches a report or export unless it is shared (`Visibility.SHARED`,
tested explicitly, not "visible to the reader"): an archive or a printout leaves the
organisation, so even the reader's own internal notes stay out.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import get_timezone
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
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
    Function,
    FunctionHolding,
    Indicator,
    Measurement,
    Organisation,
    Plan,
    Report,
    StatusChange,
    Thread,
    User,
    Visibility,
)
from ..models.types import utcnow
from . import indicators, rounds, swedish_csv
from .text import neutralise

# --- The printable report ------------------------------------------------------------------


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


def round_report(rnd: FollowUpRound) -> RoundReport:
    """The round area by area in plan order, status counts per organisation, what moved
    since the previous round, and the decisions and comments shared in its thread."""
    overview = rounds.view(rnd)
    targets: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in db.session.execute(
        select(Indicator)
        .join(Activity)
        .join(Area)
        .where(Area.plan_id == rnd.plan_id, Indicator.archived_at.is_(None))
        .order_by(Indicator.id)
        .options(selectinload(Indicator.measurements))
    ).scalars():
        targets[indicator.activity_id].append(indicator)
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


# --- Rows for Excel and CSV ----------------------------------------------------------------


def local_date(moment: datetime | None) -> date | None:
    return moment.astimezone(get_timezone()).date() if moment else None


def describe_evidence(evidence: Evidence) -> str:
    """One piece of evidence as a line of text: kind, title, what it rests on, link or file."""
    details: list[str] = []
    if evidence.source:
        details.append(evidence.source)
    if evidence.registry_number:
        details.append(_("reg. no. %(number)s", number=evidence.registry_number))
    if evidence.dated_on:
        details.append(evidence.dated_on.isoformat())
    text = f"{evidence.kind.label}: {evidence.title}"
    if details:
        text += f" ({', '.join(details)})"
    if evidence.url:
        text += f" {evidence.url}"
    if evidence.filename:
        text += " " + _("[file: %(name)s]", name=evidence.filename)
    return text


@dataclass(frozen=True)
class ExportRow:
    area: str
    activity: str
    goal: str
    function: str
    organisation: str
    status: str
    reported_on: date | None
    reported_by: str
    what_was_done: str
    evidence: str


def column_titles() -> list[str]:
    """Headings of the assignment rows (without the area, which CSV adds first)."""
    return [
        _("Activity"),
        _("Goal"),
        _("Function"),
        _("Organisation"),
        _("Status"),
        _("Reported on"),
        _("Reported by"),
        _("What was done"),
        _("Evidence"),
    ]


def export_rows(report: RoundReport) -> list[ExportRow]:
    rows: list[ExportRow] = []
    for area, activity, entry in report.entries:
        saved = entry.report if entry.is_reported else None
        rows.append(
            ExportRow(
                area=area.title,
                activity=activity.title,
                goal=activity.goal,
                function=entry.assignment.function.code,
                organisation=entry.assignment.organisation.name,
                status=entry.status.label,
                reported_on=local_date(saved.reported_at) if saved else None,
                reported_by=saved.reported_by.name if saved and saved.reported_by else "",
                what_was_done=saved.what_was_done if saved else "",
                evidence="\n".join(describe_evidence(e) for e in entry.evidence),
            )
        )
    return rows


def _cells(row: ExportRow) -> list[str | date | None]:
    return [
        neutralise(row.activity),
        neutralise(row.goal),
        neutralise(row.function),
        neutralise(row.organisation),
        row.status,
        row.reported_on,
        neutralise(row.reported_by),
        neutralise(row.what_was_done),
        neutralise(row.evidence),
    ]


def _text(cell: str | date | None) -> str:
    if isinstance(cell, date):
        return cell.isoformat()
    return cell or ""


def to_csv(report: RoundReport) -> bytes:
    """One table with the area first, as Swedish Excel opens it (`swedish_csv`)."""
    return swedish_csv.encode(
        [_("Area"), *column_titles()],
        (
            [neutralise(row.area), *(_text(cell) for cell in _cells(row))]
            for row in export_rows(report)
        ),
    )


# --- Excel ---------------------------------------------------------------------------------

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_MAX = 31
# Characters wide, per column of the assignment sheets.
_WIDTHS = [40, 45, 14, 28, 14, 12, 22, 60, 50]
_WRAPPED = {1, 2, 8, 9}  # activity, goal, what was done, evidence (1-based)
DATE_FORMAT = "yyyy-mm-dd"


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique worksheet name: no []:*?/\\, at most 31 characters, not blank."""
    base = _SHEET_FORBIDDEN.sub("-", title).strip().strip("'")[:SHEET_TITLE_MAX] or "-"
    candidate, number = base, 1
    while candidate.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = base[: SHEET_TITLE_MAX - len(suffix)] + suffix
    taken.add(candidate.casefold())
    return candidate


def _header(sheet: Worksheet, titles: list[str]) -> None:
    sheet.append(titles)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"


def _summary_sheet(sheet: Worksheet, report: RoundReport) -> None:
    rnd = report.round
    bold = Font(bold=True)
    facts: list[tuple[str, Any]] = [
        (_("Action plan"), neutralise(report.plan.title)),
        (_("Follow-up round"), neutralise(rnd.title)),
        (_("Kind"), rnd.kind.label),
        (_("Report by"), rnd.due_on),
        (_("Closed"), local_date(rnd.closed_at)),
    ]
    for label, value in facts:
        sheet.append([label, value])
        sheet.cell(sheet.max_row, 1).font = bold
        if isinstance(value, date):
            sheet.cell(sheet.max_row, 2).number_format = DATE_FORMAT
    sheet.append([])
    statuses = list(AssignmentStatus)
    sheet.append([_("Organisation"), _("Reported"), _("Assignments"), *(s.label for s in statuses)])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    rows = [(s.organisation.name, s.tally) for s in report.organisations]
    for name, tally in [*rows, (_("Total"), report.totals)]:
        sheet.append(
            [neutralise(name), tally.reported, tally.total, *(tally.counts[s] for s in statuses)]
        )
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    if rnd.council_evaluation:
        sheet.append([])
        sheet.append([_("How the council itself has worked"), neutralise(rnd.council_evaluation)])
        sheet.cell(sheet.max_row, 1).font = bold
        sheet.cell(sheet.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 28
    for index in range(3, 4 + len(statuses)):
        sheet.column_dimensions[get_column_letter(index)].width = 14


def _indicator_sheet(workbook: Workbook, report: RoundReport, taken: set[str]) -> None:
    """One row per indicator and period: value against target, as numbers."""
    measured = [
        (section.area, part.activity, indicator, point)
        for section in report.areas
        for part in section.activities
        for indicator, points in part.indicators
        for point in points
    ]
    if not measured:
        return
    sheet = workbook.create_sheet(sheet_title(_("Measurable targets"), taken))
    _header(
        sheet,
        [
            _("Area"),
            _("Activity"),
            _("What is measured"),
            _("Unit"),
            _("Period"),
            _("Value"),
            _("Target"),
            _("Share of target"),
        ],
    )
    for area, activity, indicator, point in measured:
        sheet.append(
            [
                neutralise(area.title),
                neutralise(activity.title),
                neutralise(indicator.title),
                neutralise(indicator.unit),
                point.key,
                float(point.value),
                float(point.target),
                point.percent / 100,
            ]
        )
        sheet.cell(sheet.max_row, 8).number_format = "0%"
    for index, width in enumerate((28, 40, 36, 14, 10, 10, 10, 14), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def to_xlsx(report: RoundReport) -> bytes:
    """A workbook: a summary sheet, then one sheet per area with one row per assignment.
    Dates are date cells and counts numbers, so the file can be sorted and summed."""
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    taken: set[str] = set()
    summary.title = sheet_title(_("Summary"), taken)
    _summary_sheet(summary, report)
    rows = export_rows(report)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for section in report.areas:
        sheet = workbook.create_sheet(sheet_title(section.area.title, taken))
        _header(sheet, column_titles())
        for row in (r for r in rows if r.area == section.area.title):
            sheet.append(_cells(row))
            for index, cell in enumerate(sheet[sheet.max_row], start=1):
                cell.alignment = wrap if index in _WRAPPED else top
                if isinstance(cell.value, date):
                    cell.number_format = DATE_FORMAT
        for index, width in enumerate(_WIDTHS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.auto_filter.ref = sheet.dimensions
    _indicator_sheet(workbook, report, taken)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- File names ----------------------------------------------------------------------------


def slug(title: str) -> str:
    """An ASCII file name stem: "Årlig utvärdering maj 2012" -> "arlig-utvardering-maj-2012"."""
    # Accents go (å -> a); any other character outside ASCII (an en dash) separates words.
    ascii_text = "".join(
        char if char.isascii() else ("" if unicodedata.combining(char) else "-")
        for char in unicodedata.normalize("NFKD", title)
    )
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "export"


# --- The plan's JSON archive ---------------------------------------------------------------

ARCHIVE_FORMAT = "samverkan-plan-archive"
# 2: every column of every record under its column's name; indicators, measurements,
# archived dates, organisations, functions with their holders, and the people named.
ARCHIVE_VERSION = 2


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def _decimal(value: Decimal | None) -> str | None:
    # As a string: a JSON number would let a reader round 0.1 on the way in.
    return str(value) if value is not None else None


class _People:
    """The people the archive names: each record gives the id and, to be read, the name;
    the archive's `people` lists each of them once."""

    def __init__(self) -> None:
        self.users: dict[int, User] = {}

    def __call__(self, user: User | None) -> dict[str, Any] | None:
        if user is None:
            return None
        self.users[user.id] = user
        return {"id": user.id, "name": user.name, "organisation": user.organisation.name}

    def records(self) -> list[dict[str, Any]]:
        return [
            {
                "id": user.id,
                "organisation_id": user.organisation_id,
                "name": user.name,
                "role": user.role.value,
                "active": user.active,
                "created_at": _iso(user.created_at),
            }
            for user in sorted(self.users.values(), key=lambda u: u.id)
        ]


def _comment(comment: Comment, person: _People) -> dict[str, Any]:
    return {
        "id": comment.id,
        "thread_id": comment.thread_id,
        "author_id": comment.author_id,
        "author": person(comment.author),
        "organisation_id": comment.organisation_id,
        "visibility": comment.visibility.value,
        "body": comment.body,
        "created_at": _iso(comment.created_at),
        "edited_at": _iso(comment.edited_at),
        "deleted_at": _iso(comment.deleted_at),
        "redacted_at": _iso(comment.redacted_at),
        "version": comment.version,
    }


def _thread(
    thread: Thread | None, comments: list[Comment], person: _People
) -> dict[str, Any] | None:
    if thread is None:
        return None
    return {
        "id": thread.id,
        "plan_id": thread.plan_id,
        "activity_id": thread.activity_id,
        "round_id": thread.round_id,
        "created_at": _iso(thread.created_at),
        "comments": [_comment(c, person) for c in comments],
    }


def _evidence(evidence: Evidence, person: _People) -> dict[str, Any]:
    return {
        "id": evidence.id,
        "report_id": evidence.report_id,
        "kind": evidence.kind.value,
        "title": evidence.title,
        "url": evidence.url,
        "source": evidence.source,
        "dated_on": _iso(evidence.dated_on),
        "registry_number": evidence.registry_number,
        # Metadata only: the archive names the file; the bytes stay in the file store.
        "filename": evidence.filename,
        "content_type": evidence.content_type,
        "size": evidence.size,
        "added_by_id": evidence.added_by_id,
        "added_by": person(evidence.added_by),
        "created_at": _iso(evidence.created_at),
    }


def _report(entry: Report, person: _People) -> dict[str, Any]:
    return {
        "id": entry.id,
        "round_id": entry.round_id,
        "assignment_id": entry.assignment_id,
        "status": entry.status.value,
        "reported": entry.is_reported,
        "what_was_done": entry.what_was_done,
        "reported_at": _iso(entry.reported_at),
        "reported_by_id": entry.reported_by_id,
        "reported_by": person(entry.reported_by),
        "version": entry.version,
        "created_at": _iso(entry.created_at),
        "evidence": [_evidence(e, person) for e in entry.evidence],
    }


def _status_change(change: StatusChange, person: _People) -> dict[str, Any]:
    return {
        "id": change.id,
        "assignment_id": change.assignment_id,
        "from_status": change.from_status.value if change.from_status else None,
        "to_status": change.to_status.value,
        "note": change.note,
        "user_id": change.user_id,
        "user": person(change.user),
        "organisation_id": change.organisation_id,
        "created_at": _iso(change.created_at),
    }


def _indicator(
    indicator: Indicator, measurements: list[Measurement], person: _People
) -> dict[str, Any]:
    return {
        "id": indicator.id,
        "activity_id": indicator.activity_id,
        "title": indicator.title,
        "unit": indicator.unit,
        "target": _decimal(indicator.target),
        "period": indicator.period.value,
        "aggregation": indicator.aggregation.value,
        "created_by_id": indicator.created_by_id,
        "created_by": person(db.session.get(User, indicator.created_by_id)),
        "created_at": _iso(indicator.created_at),
        "version": indicator.version,
        "updated_by_id": indicator.updated_by_id,
        "updated_by": person(indicator.updated_by),
        "updated_at": _iso(indicator.updated_at),
        "archived_at": _iso(indicator.archived_at),
        "measurements": [
            {
                "id": m.id,
                "indicator_id": m.indicator_id,
                "value": _decimal(m.value),
                "measured_on": _iso(m.measured_on),
                "source": m.source,
                "organisation_id": m.organisation_id,
                "user_id": m.user_id,
                "user": person(m.user),
                "created_at": _iso(m.created_at),
                "version": m.version,
                "updated_by_id": m.updated_by_id,
                "updated_by": person(m.updated_by),
                "updated_at": _iso(m.updated_at),
                "removed_by_id": m.removed_by_id,
                "removed_by": person(
                    db.session.get(User, m.removed_by_id) if m.removed_by_id else None
                ),
                "removed_at": _iso(m.removed_at),
            }
            for m in measurements
        ],
    }


def plan_archive(plan: Plan) -> dict[str, Any]:
    """The whole plan for archiving: content with its archived parts and their dates,
    indicators and measurements, statuses with their full history, every round with its
    reports (a closed round's snapshot) and evidence metadata, the shared comments (never an
    internal one), the organisations with the responsible functions and who holds them, and
    the people named. Each record carries every column of its row under the column's name,
    except what `tests/web/test_reporting.py` lists as left out, with the reason."""
    person = _People()
    areas = list(
        db.session.execute(
            select(Area)
            .where(Area.plan_id == plan.id)
            .order_by(Area.position)
            .options(
                selectinload(Area.activities)
                .selectinload(Activity.assignments)
                .selectinload(Assignment.updated_by)
            )
        ).scalars()
    )
    activities = [activity for area in areas for activity in area.activities]
    assignments = [a for activity in activities for a in activity.assignments]
    history: dict[int, list[StatusChange]] = defaultdict(list)
    for change in db.session.execute(
        select(StatusChange)
        .where(StatusChange.assignment_id.in_([a.id for a in assignments]))
        .order_by(StatusChange.created_at, StatusChange.id)
    ).scalars():
        history[change.assignment_id].append(change)
    targets: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in db.session.execute(
        select(Indicator)
        .where(Indicator.activity_id.in_([a.id for a in activities]))
        .order_by(Indicator.id)
        .options(selectinload(Indicator.updated_by))
    ).scalars():
        targets[indicator.activity_id].append(indicator)
    # Removed values too, with who removed them: `Indicator.measurements` holds only those
    # that stand.
    values: dict[int, list[Measurement]] = defaultdict(list)
    for measurement in db.session.execute(
        select(Measurement)
        .where(Measurement.indicator_id.in_([i.id for found in targets.values() for i in found]))
        .order_by(Measurement.measured_on, Measurement.id)
        .options(selectinload(Measurement.user), selectinload(Measurement.updated_by))
    ).scalars():
        values[measurement.indicator_id].append(measurement)
    threads: dict[tuple[int | None, int | None], Thread] = {
        (thread.activity_id, thread.round_id): thread
        for thread in db.session.execute(select(Thread).where(Thread.plan_id == plan.id)).scalars()
    }
    comments: dict[int, list[Comment]] = defaultdict(list)
    for comment in shared_comments(Thread.plan_id == plan.id):
        comments[comment.thread_id].append(comment)

    def thread_of(activity_id: int | None, round_id: int | None) -> dict[str, Any] | None:
        thread = threads.get((activity_id, round_id))
        return _thread(thread, comments[thread.id] if thread else [], person)

    all_rounds = list(
        db.session.execute(
            select(FollowUpRound)
            .where(FollowUpRound.plan_id == plan.id)
            .order_by(FollowUpRound.created_at, FollowUpRound.id)
            .options(
                selectinload(FollowUpRound.reports)
                .selectinload(Report.evidence)
                .selectinload(Evidence.added_by),
                selectinload(FollowUpRound.reports).selectinload(Report.reported_by),
            )
        ).scalars()
    )

    def assignment_data(assignment: Assignment) -> dict[str, Any]:
        function = assignment.function
        return {
            "id": assignment.id,
            "activity_id": assignment.activity_id,
            "function_id": assignment.function_id,
            "function": {
                "code": function.code,
                "name": function.name,
                "organisation": function.organisation.name,
            },
            "status": assignment.status.value,
            "version": assignment.version,
            "updated_at": _iso(assignment.updated_at),
            "updated_by_id": assignment.updated_by_id,
            "updated_by": person(assignment.updated_by),
            "archived_at": _iso(assignment.archived_at),
            "history": [_status_change(change, person) for change in history[assignment.id]],
        }

    archive: dict[str, Any] = {
        "format": ARCHIVE_FORMAT,
        "format_version": ARCHIVE_VERSION,
        "exported_at": _iso(utcnow()),
        "plan": {
            "id": plan.id,
            "title": plan.title,
            "period_start": plan.period_start,
            "period_end": plan.period_end,
            "created_at": _iso(plan.created_at),
            "version": plan.version,
            # Ended when the next plan replaced it; reopened for changes by a coordinator.
            "replaced_by_id": plan.replaced_by_id,
            "ended_at": _iso(plan.ended_at),
            "reopened_at": _iso(plan.reopened_at),
            "reopened_by_id": plan.reopened_by_id,
            "reopened_by": person(plan.reopened_by),
            "participants": [
                {"plan_id": plan.id, "organisation_id": org.id} for org in plan.participants
            ],
            "thread": thread_of(None, None),
        },
        "areas": [
            {
                "id": area.id,
                "plan_id": area.plan_id,
                "position": area.position,
                "title": area.title,
                "archived_at": _iso(area.archived_at),
                "version": area.version,
                "created_at": _iso(area.created_at),
                "activities": [
                    {
                        "id": activity.id,
                        "area_id": activity.area_id,
                        "position": activity.position,
                        "title": activity.title,
                        "goal": activity.goal,
                        "archived_at": _iso(activity.archived_at),
                        "version": activity.version,
                        "created_at": _iso(activity.created_at),
                        "overall_status": activity.overall_status.value,
                        "assignments": [assignment_data(a) for a in activity.assignments],
                        "indicators": [
                            _indicator(i, values[i.id], person) for i in targets[activity.id]
                        ],
                        "thread": thread_of(activity.id, None),
                    }
                    for activity in area.activities
                ],
            }
            for area in areas
        ],
        "rounds": [
            {
                "id": rnd.id,
                "plan_id": rnd.plan_id,
                "kind": rnd.kind.value,
                "title": rnd.title,
                "due_on": _iso(rnd.due_on),
                "created_at": _iso(rnd.created_at),
                "opened_by_id": rnd.opened_by_id,
                "opened_by": person(rnd.opened_by),
                "closed_at": _iso(rnd.closed_at),
                "closed_by_id": rnd.closed_by_id,
                "closed_by": person(rnd.closed_by),
                "council_evaluation": rnd.council_evaluation,
                "reports": [
                    _report(entry, person)
                    for entry in sorted(rnd.reports, key=lambda r: r.assignment_id)
                ],
                "thread": thread_of(None, rnd.id),
            }
            for rnd in all_rounds
        ],
    }
    archive["organisations"] = _organisations(plan, assignments, person)
    archive["people"] = person.records()
    return archive


def _organisations(
    plan: Plan, assignments: list[Assignment], person: _People
) -> list[dict[str, Any]]:
    """The participants and every organisation responsible for an assignment, each with its
    functions that carry an assignment in the plan, who holds them now and who held them
    when."""
    responsible = {a.function_id for a in assignments}
    organisations = {org.id: org for org in plan.participants}
    functions = list(
        db.session.execute(
            select(Function)
            .where(Function.id.in_(responsible))
            .order_by(Function.organisation_id, Function.code)
            .options(selectinload(Function.holders))
        ).scalars()
    )
    holdings: dict[int, list[FunctionHolding]] = defaultdict(list)
    for holding in db.session.execute(
        select(FunctionHolding)
        .where(FunctionHolding.function_id.in_(responsible))
        .order_by(FunctionHolding.held_from, FunctionHolding.id)
    ).scalars():
        holdings[holding.function_id].append(holding)
    for function in functions:
        organisations.setdefault(function.organisation_id, function.organisation)
    for user in person.users.values():  # whoever wrote, reported or measured
        organisations.setdefault(user.organisation_id, user.organisation)
    by_organisation: dict[int, list[Function]] = defaultdict(list)
    for function in functions:
        by_organisation[function.organisation_id].append(function)
    return [
        {
            "id": org.id,
            "slug": org.slug,
            "name": org.name,
            "kind": org.kind.value,
            "created_at": _iso(org.created_at),
            "functions": [
                {
                    "id": function.id,
                    "organisation_id": function.organisation_id,
                    "code": function.code,
                    "name": function.name,
                    "created_at": _iso(function.created_at),
                    "holders": [
                        {
                            "user_id": holder.id,
                            "function_id": function.id,
                            "organisation_id": function.organisation_id,
                            "user": person(holder),
                        }
                        for holder in sorted(function.holders, key=lambda u: u.id)
                    ],
                    # Who held it over time: the plan's work survives staff turnover.
                    "holdings": [
                        {
                            "id": holding.id,
                            "function_id": holding.function_id,
                            "organisation_id": holding.organisation_id,
                            "user_id": holding.user_id,
                            "user": person(db.session.get(User, holding.user_id)),
                            "held_from": _iso(holding.held_from),
                            "held_until": _iso(holding.held_until),
                            "ended_by_deactivation": holding.ended_by_deactivation,
                        }
                        for holding in holdings[function.id]
                    ],
                }
                for function in by_organisation[org.id]
            ],
        }
        for org in sorted(organisations.values(), key=lambda o: o.name)
    ]


def archive_json(plan: Plan) -> bytes:
    """The archive as UTF-8 JSON, åäö as written, indented for a person to read."""
    return json.dumps(plan_archive(plan), ensure_ascii=False, indent=2).encode("utf-8")
