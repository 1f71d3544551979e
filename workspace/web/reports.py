"""The printable evaluation report of a round, its Excel and CSV exports, the plan archive."""

from __future__ import annotations

import io

from flask import Blueprint, render_template, send_file
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..policy import get_plan_or_404, get_round_or_404
from ..services import archive, exports, round_report

bp = Blueprint("reports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(body: bytes, mimetype: str, title: str, extension: str) -> Response:
    """An attachment named after `title`: Werkzeug writes the real title (åäö and all) in
    `filename*` and an ASCII fallback in `filename` (RFC 6266)."""
    response = send_file(
        io.BytesIO(body),
        mimetype=mimetype,  # text/* gets "; charset=utf-8"; JSON is UTF-8 by definition
        as_attachment=True,
        download_name=f"{title}.{extension}",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/rounds/<int:round_id>/report")
@login_required
def print_round(round_id: int) -> str:
    """The round's evaluation report, laid out for printing on A4."""
    rnd = get_round_or_404(current_user, round_id)
    return render_template("reports/round.html", report=round_report.round_report(rnd))


@bp.get("/rounds/<int:round_id>/report.xlsx")
@login_required
def export_xlsx(round_id: int) -> Response:
    """The round's reports as an Excel workbook: a summary, then one sheet per area."""
    rnd = get_round_or_404(current_user, round_id)
    body = exports.to_xlsx(round_report.round_report(rnd))
    return download(body, XLSX, rnd.title, "xlsx")


@bp.get("/rounds/<int:round_id>/report.csv")
@login_required
def export_csv(round_id: int) -> Response:
    """The round's reports as one CSV table, the way Swedish Excel opens it."""
    rnd = get_round_or_404(current_user, round_id)
    body = exports.to_csv(round_report.round_report(rnd))
    return download(body, "text/csv", rnd.title, "csv")


@bp.get("/plans/<int:plan_id>/archive.json")
@login_required
def archive_plan(plan_id: int) -> Response:
    """The whole plan with its history, rounds and shared comments, as JSON to archive."""
    plan = get_plan_or_404(current_user, plan_id)
    title = f"{plan.title} {plan.period_label}"
    return download(archive.archive_json(plan), "application/json", title, "json")
