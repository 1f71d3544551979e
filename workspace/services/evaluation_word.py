"""The annual evaluation as a Word document (python-docx): the form municipal leadership
expects on its desk, with headings, the figures as tables and the sections' texts."""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Pt
from flask_babel import force_locale
from flask_babel import gettext as _

from ..i18n import day, number
from ..models import Evaluation, EvaluationPart
from .evaluation import DOCUMENT_LOCALE, AreaFigures, FactFigure, figures_of


def _paragraphs(document: Document, body: str) -> None:
    for paragraph in body.split("\n\n"):
        if paragraph.strip():
            document.add_paragraph(paragraph)  # a line break inside stays one (python-docx)


def _table(document: Document, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def _area_table(document: Document, area: AreaFigures) -> None:
    rows = []
    for activity in area.activities:
        targets = "\n".join(
            f"{i.title}: "
            + (
                _(
                    "%(value)s of %(target)s %(unit)s (%(percent)d %%)",
                    value=number(i.value_number),
                    target=number(i.target_number),
                    unit=i.unit,
                    percent=i.percent,
                )
                if i.value is not None
                else _("no value")
            )
            for i in activity.indicators
        )
        rows.append([activity.title, activity.status_value.label, targets or "–"])
    if rows:
        _table(document, [_("Activity"), _("Status"), _("Indicators against target")], rows)


def _facts_table(document: Document, facts: list[FactFigure]) -> None:
    rows = [
        [
            str(f.year),
            f.title,
            f"{number(f.value_number)} {f.unit}" if f.value is not None else f.text,
            ", ".join(x for x in (f.source, f.organisation) if x),
        ]
        for f in facts
    ]
    _table(document, [_("Year"), _("Fact"), _("Value"), _("Source")], rows)


def to_docx(evaluation: Evaluation) -> bytes:
    """The evaluation's document, in Swedish like its draft, whatever the reader's language."""
    found = figures_of(evaluation)
    with force_locale(DOCUMENT_LOCALE):
        document = Document()
        document.styles["Normal"].font.size = Pt(11)
        document.core_properties.title = f"{_('Annual evaluation')} {evaluation.year}"
        document.core_properties.language = "sv-SE"
        document.add_heading(f"{_('Annual evaluation')} {evaluation.year}", level=0)
        plan = evaluation.plan
        document.add_paragraph(
            f"{plan.title} · {_('Action plan %(period)s', period=plan.period_label)}"
        )
        if evaluation.is_fixed:
            document.add_paragraph(
                _(
                    "Fixed %(date)s by %(name)s.",
                    date=day(evaluation.fixed_at.date()),
                    name=evaluation.fixed_by.name,
                )
            )
        else:
            document.add_paragraph(
                _("A draft, version %(version)d.", version=evaluation.content_version)
            )
        for section in evaluation.sections:
            document.add_heading(section.heading, level=1)
            if section.part is EvaluationPart.AREA and (area := found.area(section.area_id)):
                _area_table(document, area)
            if section.part is EvaluationPart.SUMMARY and found.facts:
                _facts_table(document, found.facts)
            _paragraphs(document, section.body)
        buffer = io.BytesIO()
        document.save(buffer)
    return buffer.getvalue()
