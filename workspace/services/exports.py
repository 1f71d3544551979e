"""A round report as files to work on: an Excel workbook and a CSV table.

Every text cell goes through `neutralise`, so nothing a user wrote opens as a formula.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import get_timezone
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..models import AssignmentStatus, Evidence
from . import swedish_csv
from .round_report import RoundReport
from .text import neutralise

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
