"""The accessibility statement, its problem report form, and the reports for admins."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db, limiter
from ..forms import AccessibilityReportForm
from ..htmx import render
from ..models import PAGE_ADDRESS_MAX_LENGTH
from ..routing import page_number
from ..services import accessibility
from .forms_help import accepted, done

bp = Blueprint("accessibility", __name__)

REPORTS_PAGE_SIZE = 50


@bp.route("/accessibility", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["ACCESSIBILITY_REPORT_LIMIT"],
    methods=["POST"],
    scope="accessibility-report",
)
def statement() -> Response:
    """The accessibility statement; anyone, logged in or not, may report a problem here."""
    form = AccessibilityReportForm()
    if request.method == "GET" and request.args.get("page"):
        form.page_address.data = request.args["page"][:PAGE_ADDRESS_MAX_LENGTH]
    outcome = accepted(
        form,
        lambda: accessibility.report_problem(
            form.description.data, form.page_address.data, form.contact_email.data
        ),
    )
    if outcome.saved:
        message = _(
            "Thank you. Your report is saved, and the people who run Samverkan will read it."
        )
        return done(message, url_for("accessibility.statement"))
    return _statement_page(form, outcome.status)


def _statement_page(form: AccessibilityReportForm, status: int) -> Response:
    return render(
        "accessibility/statement.html",
        "report_form",
        status,
        form=form,
        contact_email=current_app.config["ACCESSIBILITY_CONTACT_EMAIL"],
        reviewed=accessibility.STATEMENT_REVIEWED,
    )


@bp.get("/admin/accessibility-reports")
@login_required
def reports() -> Response:
    """The accessibility problems people reported, newest first."""
    query = accessibility.reports_for(current_user)
    page = db.paginate(query, page=page_number(), per_page=REPORTS_PAGE_SIZE, error_out=False)
    return render(
        "accessibility/reports.html",
        "report_list",
        page=page,
        page_url=lambda number: url_for("accessibility.reports", page=number),
    )
