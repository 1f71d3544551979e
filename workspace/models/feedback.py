"""What visitors tell us about the service itself."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import TimestampMixin

ACCESSIBILITY_DESCRIPTION_MAX_LENGTH = 5000
PAGE_ADDRESS_MAX_LENGTH = 500


class AccessibilityReport(TimestampMixin, db.Model):
    """An accessibility problem reported through the accessibility statement's form.

    Anyone may report, logged in or not, so nothing links it to a user: the reporter leaves
    an email address only if they want an answer.
    """

    __tablename__ = "accessibility_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    page_address: Mapped[str | None] = mapped_column(String(PAGE_ADDRESS_MAX_LENGTH))
    contact_email: Mapped[str | None] = mapped_column(String(254))
