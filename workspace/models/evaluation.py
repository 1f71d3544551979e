"""The annual evaluation (May): the report to municipal leadership, one per plan and year.

Its sections are written from the data when it is started (goal achievement per area, the
lägesbild's problems now, how the council worked, a short summary), then edited, agreed by
each organisation and fixed like the lägesbild. The figures beside the text (activities,
statuses, indicators, facts) are kept as a snapshot taken at the start, so an agreed or fixed
evaluation shows the figures it was agreed on.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .organisations import Organisation, User, enum_column
from .plans import Area, Plan
from .types import TimestampMixin, UTCDateTime

EVALUATION_SECTION_MAX_LENGTH = 50_000


class EvaluationPart(StrEnum):
    """What a section is about, in the document's order."""

    SUMMARY = "summary"
    AREA = "area"  # goal achievement in one of the plan's areas
    PROBLEMS = "problems"  # the lägesbild's problems as they look now
    COUNCIL = "council"  # how the council has worked

    @property
    def hint(self) -> str:
        return str(EVALUATION_PART_HINTS[self])


EVALUATION_PART_HINTS = {
    EvaluationPart.SUMMARY: _l("A few sentences for leadership: what was reached, what was not."),
    EvaluationPart.AREA: _l("Goal achievement: each activity's status and its indicators."),
    EvaluationPart.PROBLEMS: _l("The situation picture's problems, and how the measures did."),
    EvaluationPart.COUNCIL: _l("Meetings held, attendance, follow-ups and decisions."),
}


class Evaluation(TimestampMixin, db.Model):
    """The annual evaluation of one plan for one year: drafted, agreed, fixed."""

    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("plan_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Every change of a section or of the figures takes the next one; an agreement names the
    # one it agreed to, so an agreement to older content reads as withdrawn.
    content_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The figures as they were when started or last refreshed (`services.evaluation`).
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    figures_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fixed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    plan: Mapped[Plan] = relationship()
    fixed_by: Mapped[User | None] = relationship(foreign_keys=[fixed_by_id])
    sections: Mapped[list[EvaluationSection]] = relationship(
        back_populates="evaluation",
        order_by="EvaluationSection.position",
        cascade="all, delete-orphan",
    )
    agreements: Mapped[list[EvaluationAgreement]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan"
    )

    @property
    def is_fixed(self) -> bool:
        return self.fixed_at is not None

    @property
    def title(self) -> str:
        """How the audit log and the pages name it."""
        return f"{_l('Annual evaluation')} {self.year}"

    def section_at(self, position: int) -> EvaluationSection | None:
        return next((s for s in self.sections if s.position == position), None)


class EvaluationSection(db.Model):
    """One section of the evaluation, written on its own with its own version."""

    __tablename__ = "evaluation_sections"
    __table_args__ = (UniqueConstraint("evaluation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    part: Mapped[EvaluationPart] = mapped_column(enum_column(EvaluationPart, "evaluation_part"))
    # The area a goal-achievement section is about; its heading keeps the area's title then.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    heading: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    evaluation: Mapped[Evaluation] = relationship(back_populates="sections")
    area: Mapped[Area | None] = relationship()
    updated_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def title(self) -> str:
        return f"{self.heading} ({self.evaluation.title})"


class EvaluationAgreement(db.Model):
    """One organisation's coordinator stands behind one version of the evaluation."""

    __tablename__ = "evaluation_agreements"
    __table_args__ = (UniqueConstraint("evaluation_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    content_version: Mapped[int]
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    evaluation: Mapped[Evaluation] = relationship(back_populates="agreements")
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()

    @property
    def is_current(self) -> bool:
        """Agreed to the content as it is now; any later edit withdraws it."""
        return self.content_version == self.evaluation.content_version
