"""Follow-up rounds and what each assignment's organisation reports in them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .organisations import User, enum_column
from .plans import Assignment, AssignmentStatus, Plan
from .types import TimestampMixin, UTCDateTime

REPORT_TEXT_MAX_LENGTH = 5_000


class RoundKind(StrEnum):
    WORKING_GROUP = "working_group"  # April and October
    ANNUAL_EVALUATION = "annual_evaluation"  # the council (BRÅ), every May

    @property
    def label(self) -> str:
        return str(ROUND_KIND_LABELS[self])


ROUND_KIND_LABELS = {
    RoundKind.WORKING_GROUP: _l("Working-group follow-up"),
    RoundKind.ANNUAL_EVALUATION: _l("Annual evaluation"),
}


class EvidenceKind(StrEnum):
    """What the plan says goal achievement is shown with."""

    STATISTICS = "statistics"
    REPORT = "report"
    DECISION = "decision"

    @property
    def label(self) -> str:
        return str(EVIDENCE_KIND_LABELS[self])


EVIDENCE_KIND_LABELS = {
    EvidenceKind.STATISTICS: _l("Statistics"),
    EvidenceKind.REPORT: _l("Report (document)"),
    EvidenceKind.DECISION: _l("Decision"),
}


class FollowUpRound(TimestampMixin, db.Model):
    """A working-group follow-up or the council's annual evaluation of one plan."""

    __tablename__ = "follow_up_rounds"
    __table_args__ = (UniqueConstraint("plan_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RoundKind] = mapped_column(enum_column(RoundKind, "kind"))
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The plan asks the annual evaluation to say how the council itself has worked.
    council_evaluation: Mapped[str] = mapped_column(Text, default="")

    plan: Mapped[Plan] = relationship()
    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    reports: Mapped[list[Report]] = relationship(
        back_populates="round", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Report(TimestampMixin, db.Model):
    """One assignment's account in one round: its status then, what was done, and on what
    that rests. Closing a round adds a row, unreported, for every assignment left out, so a
    closed round is a whole snapshot of the plan."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("round_id", "assignment_id"),
        CheckConstraint(f"length(what_was_done) <= {REPORT_TEXT_MAX_LENGTH}", name="text_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("follow_up_rounds.id", ondelete="CASCADE"), index=True
    )
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    status: Mapped[AssignmentStatus] = mapped_column(enum_column(AssignmentStatus, "status"))
    what_was_done: Mapped[str] = mapped_column(Text, default="")
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    round: Mapped[FollowUpRound] = relationship(back_populates="reports")
    assignment: Mapped[Assignment] = relationship()
    reported_by: Mapped[User | None] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="Evidence.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_reported(self) -> bool:
        return self.reported_at is not None


class Evidence(TimestampMixin, db.Model):
    """Statistics, a report or a decision behind a report: a link and/or an attached file."""

    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint("url IS NOT NULL OR attachment_key IS NOT NULL", name="link_or_file"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(enum_column(EvidenceKind, "kind"))
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(2000))
    source: Mapped[str | None] = mapped_column(String(300))  # statistics: who produced them
    dated_on: Mapped[date | None] = mapped_column(Date)  # statistics or decision: as of
    registry_number: Mapped[str | None] = mapped_column(String(100))  # decision: diarienummer
    # The file lives outside the web root under this random key; only its metadata is here.
    attachment_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None]
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    report: Mapped[Report] = relationship(back_populates="evidence")
    added_by: Mapped[User] = relationship()
