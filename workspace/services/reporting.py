"""The evaluation report of a round and its exports (Excel, CSV), and the plan's JSON archive.

Everything here reads objects the caller has already loaded through the policy's scoped
loaders. No comment reaches a report or export unless it is shared (`Visibility.SHARED`,
tested explicitly, not "visible to the reader"): an archive or a printout leaves the
organisation, so even the reader's own internal notes stay out.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
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
    Indicator,
    Organisation,
    Plan,
    Report,
    RoundKind,
    StatusChange,
    Thread,
    User,
    Visibility,
)
from ..models.types import utcnow
from . import indicators, rounds
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
    """One table with the area first; UTF-8 with a BOM and semicolons, as Excel in Swedish
    expects, so åäö and columns come out right when the file is double-clicked."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([_("Area"), *column_titles()])
    for row in export_rows(report):
        writer.writerow([neutralise(row.area), *(_text(cell) for cell in _cells(row))])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


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
ARCHIVE_VERSION = 1


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "name": user.name, "organisation": user.organisation.name}


def _comment(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "author": _person(comment.author),
        "organisation": comment.organisation.name,
        "posted_at": _iso(comment.created_at),
        "edited_at": _iso(comment.edited_at),
        "body": comment.body,
    }


def _evidence(evidence: Evidence) -> dict[str, Any]:
    return {
        "id": evidence.id,
        "kind": evidence.kind.value,
        "title": evidence.title,
        "url": evidence.url,
        "source": evidence.source,
        "dated_on": _iso(evidence.dated_on),
        "registry_number": evidence.registry_number,
        # Metadata only: the archive names the file; the bytes stay in the file store.
        "file": (
            {
                "filename": evidence.filename,
                "content_type": evidence.content_type,
                "size": evidence.size,
            }
            if evidence.attachment_key
            else None
        ),
        "added_by": _person(evidence.added_by),
        "added_at": _iso(evidence.created_at),
    }


def _report(entry: Report) -> dict[str, Any]:
    return {
        "id": entry.id,
        "assignment_id": entry.assignment_id,
        "status": entry.status.value,
        "reported": entry.is_reported,
        "what_was_done": entry.what_was_done,
        "reported_at": _iso(entry.reported_at),
        "reported_by": _person(entry.reported_by),
        "version": entry.version,
        "evidence": [_evidence(e) for e in entry.evidence],
    }


def plan_archive(plan: Plan) -> dict[str, Any]:
    """The whole plan for archiving: content, statuses with their full history, every round
    with its reports and evidence metadata, and the shared comments (never internal ones)."""
    areas = list(
        db.session.execute(
            select(Area)
            .where(Area.plan_id == plan.id)
            .order_by(Area.position)
            .options(selectinload(Area.activities).selectinload(Activity.assignments))
        ).scalars()
    )
    assignments = [
        a for area in areas for activity in area.activities for a in activity.assignments
    ]
    history: dict[int, list[StatusChange]] = defaultdict(list)
    for change in db.session.execute(
        select(StatusChange)
        .where(StatusChange.assignment_id.in_([a.id for a in assignments]))
        .order_by(StatusChange.created_at, StatusChange.id)
    ).scalars():
        history[change.assignment_id].append(change)
    comments: dict[tuple[int | None, int | None], list[Comment]] = defaultdict(list)
    for comment in shared_comments(Thread.plan_id == plan.id):
        comments[(comment.thread.activity_id, comment.thread.round_id)].append(comment)
    all_rounds = list(
        db.session.execute(
            select(FollowUpRound)
            .where(FollowUpRound.plan_id == plan.id)
            .order_by(FollowUpRound.created_at, FollowUpRound.id)
            .options(
                selectinload(FollowUpRound.reports).selectinload(Report.evidence),
                selectinload(FollowUpRound.reports).selectinload(Report.reported_by),
            )
        ).scalars()
    )

    def assignment_data(assignment: Assignment) -> dict[str, Any]:
        function = assignment.function
        return {
            "id": assignment.id,
            "function": {"id": function.id, "code": function.code, "name": function.name},
            "organisation": {
                "id": function.organisation.id,
                "name": function.organisation.name,
                "kind": function.organisation.kind.value,
            },
            "status": assignment.status.value,
            "version": assignment.version,
            "updated_at": _iso(assignment.updated_at),
            "history": [
                {
                    "from": change.from_status.value if change.from_status else None,
                    "to": change.to_status.value,
                    "note": change.note,
                    "by": _person(change.user),
                    "organisation": change.organisation.name,
                    "at": _iso(change.created_at),
                }
                for change in history[assignment.id]
            ],
        }

    return {
        "format": ARCHIVE_FORMAT,
        "format_version": ARCHIVE_VERSION,
        "exported_at": _iso(utcnow()),
        "plan": {
            "id": plan.id,
            "title": plan.title,
            "period_start": plan.period_start,
            "period_end": plan.period_end,
            "participants": [
                {"id": org.id, "name": org.name, "kind": org.kind.value}
                for org in plan.participants
            ],
            "comments": [_comment(c) for c in comments[(None, None)]],
        },
        "areas": [
            {
                "id": area.id,
                "position": area.position,
                "title": area.title,
                "activities": [
                    {
                        "id": activity.id,
                        "position": activity.position,
                        "title": activity.title,
                        "goal": activity.goal,
                        "overall_status": activity.overall_status.value,
                        "assignments": [assignment_data(a) for a in activity.assignments],
                        "comments": [_comment(c) for c in comments[(activity.id, None)]],
                    }
                    for activity in area.activities
                ],
            }
            for area in areas
        ],
        "rounds": [
            {
                "id": rnd.id,
                "kind": rnd.kind.value,
                "title": rnd.title,
                "due_on": _iso(rnd.due_on),
                "opened_at": _iso(rnd.created_at),
                "opened_by": _person(rnd.opened_by),
                "closed_at": _iso(rnd.closed_at),
                "closed_by": _person(rnd.closed_by),
                "council_evaluation": (
                    rnd.council_evaluation if rnd.kind is RoundKind.ANNUAL_EVALUATION else None
                ),
                "reports": [
                    _report(entry) for entry in sorted(rnd.reports, key=lambda r: r.assignment_id)
                ],
                "comments": [_comment(c) for c in comments[(None, rnd.id)]],
            }
            for rnd in all_rounds
        ],
    }


def archive_json(plan: Plan) -> bytes:
    """The archive as UTF-8 JSON, åäö as written, indented for a person to read."""
    return json.dumps(plan_archive(plan), ensure_ascii=False, indent=2).encode("utf-8")
