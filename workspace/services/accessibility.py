"""The accessibility statement's problem reports: anyone files one, admins read them."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, select

from ..extensions import db
from ..models import (
    ACCESSIBILITY_DESCRIPTION_MAX_LENGTH,
    PAGE_ADDRESS_MAX_LENGTH,
    AccessibilityReport,
    User,
)
from ..policy import Action, authorize
from . import transaction
from .errors import ValidationFailed
from .text import clean
from .users import EMAIL, normalise_email

# When the statement was last reviewed against the service; update it with the text.
STATEMENT_REVIEWED = date(2026, 11, 25)


def report_problem(
    description: str | None, page_address: str | None = None, contact_email: str | None = None
) -> AccessibilityReport:
    """Store a reported accessibility problem; raise `ValidationFailed` on bad input."""
    description = clean(description)
    page_address = clean(page_address)
    contact_email = normalise_email(contact_email or "")
    errors: dict[str, str] = {}
    if not description:
        errors["description"] = _("Describe the problem you ran into.")
    elif len(description) > ACCESSIBILITY_DESCRIPTION_MAX_LENGTH:
        errors["description"] = _(
            "The description may have at most %(max)d characters.",
            max=ACCESSIBILITY_DESCRIPTION_MAX_LENGTH,
        )
    if len(page_address) > PAGE_ADDRESS_MAX_LENGTH:
        errors["page_address"] = _(
            "The page address may have at most %(max)d characters.", max=PAGE_ADDRESS_MAX_LENGTH
        )
    if contact_email and (not EMAIL.match(contact_email) or len(contact_email) > 254):
        errors["contact_email"] = _("Write a valid email address, or leave the field empty.")
    if errors:
        raise ValidationFailed(errors)
    with transaction.write():
        report = AccessibilityReport(
            description=description,
            page_address=page_address or None,
            contact_email=contact_email or None,
        )
        db.session.add(report)
    return report


def reports_for(actor: User) -> Select[tuple[AccessibilityReport]]:
    """Every reported problem, newest first, for someone allowed to follow them up."""
    authorize(actor, Action.READ_ACCESSIBILITY_REPORTS, None)
    return select(AccessibilityReport).order_by(
        AccessibilityReport.created_at.desc(), AccessibilityReport.id.desc()
    )
