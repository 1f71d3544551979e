"""Append-only records: status history and the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import db
from .organisations import Organisation, User, enum_column
from .plans import Assignment, AssignmentStatus
from .types import TimestampMixin

NOTE_MAX_LENGTH = 500


class StatusChange(TimestampMixin, db.Model):
    """One change of an assignment's status: from, to, note, who, when."""

    __tablename__ = "status_changes"
    __table_args__ = (
        CheckConstraint(f"length(note) <= {NOTE_MAX_LENGTH}", name="note_length"),
        Index("ix_status_changes_assignment_created", "assignment_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    from_status: Mapped[AssignmentStatus | None] = mapped_column(
        enum_column(AssignmentStatus, "from_status")
    )
    to_status: Mapped[AssignmentStatus] = mapped_column(enum_column(AssignmentStatus, "to_status"))
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))

    assignment: Mapped[Assignment] = relationship()
    user: Mapped[User] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class AuditEvent(TimestampMixin, db.Model):
    """Who did what, when. Never updated or deleted."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_organisation_created", "organisation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()


APPEND_ONLY = (StatusChange, AuditEvent)


class AppendOnlyError(RuntimeError):
    """History and audit rows are written once and never changed."""


@event.listens_for(Session, "before_flush")
def _refuse_changing_history(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, APPEND_ONLY) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyError(f"{type(obj).__name__} rows are append-only")
